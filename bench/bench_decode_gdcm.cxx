// In-process decode throughput of gdcm, the peer of bench_decode_inproc.c:
//   bench_decode_gdcm REPEATS FILE...
// Each repeat reads the file with gdcm::ImageReader and decodes every frame
// with Image::GetBuffer (gdcm has no decode-only entry point, so reading
// the file is inside the timed region; radnet's bench times decoding of an
// already opened file, which favours radnet on small files: compare large
// ones, and the per-process wall times of bench_decode.sh).
#include <gdcmImageReader.h>
#include <gdcmTrace.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_decode_gdcm REPEATS FILE...\n");
        return 1;
    }
    int repeats = std::atoi(argv[1]);
    gdcm::Trace::SetWarning(false); // keep the timing output clean
    gdcm::Trace::SetError(false);
    gdcm::Trace::SetDebug(false);
    for (int a = 2; a < argc; a++) {
        std::vector<double> t;
        size_t bytes = 0;
        for (int r = 0; r < repeats; r++) {
            auto t0 = std::chrono::steady_clock::now();
            gdcm::ImageReader reader;
            reader.SetFileName(argv[a]);
            if (!reader.Read()) {
                std::fprintf(stderr, "bench: %s: gdcm cannot read\n", argv[a]);
                break;
            }
            const gdcm::Image &img = reader.GetImage();
            std::vector<char> buf(img.GetBufferLength());
            if (!img.GetBuffer(buf.data())) {
                std::fprintf(stderr, "bench: %s: gdcm cannot decode\n", argv[a]);
                break;
            }
            bytes = buf.size();
            t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        if (t.empty())
            continue;
        std::sort(t.begin(), t.end());
        double med = t[t.size() / 2];
        std::printf("%s\t%.6f\t%.1f\n", argv[a], med, (double)bytes / med / 1e6);
    }
    return 0;
}
