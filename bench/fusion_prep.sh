#!/bin/sh
# A tuning or held-out archive for the fusion benchmarks: radnet synth (-j 1,
# --size small), optional damage, radnet ingest --reports, and every embedding
# the fusion defaults and the region studies read (image-hog, meta-modality,
# meta-text-tags, meta-anatomy, text-tfidf, text-anatomy). Leaves DIR/arch
# (dicom/, reports.csv, truth.csv), DIR/ws, and DIR/G.txt / DIR/S.txt
# (catalogue Modality and SPEC §5 region per row, bench/fusion_groups.py).
#
#   --restyle     first, the descriptive tags rewritten in US/UK order-code
#                 English (another hospital's naming; bench/fusion_restyle.py)
#   --style NAME  the restyle's naming style (implies --restyle): us (the
#                 default) or central (German / Croatian RIS, vendor names)
#   --degrade P   P5-style damage: BodyPartExamined erased from every file
#                 (dcmodify; -imt, or a batch stops at the first file without
#                 it) and the reports of a fraction P of the exams dropped
#   --codes F     beyond that, the descriptive tags of a fraction F of the
#                 studies replaced by vendor-style codes (bench/fusion_degrade.py)
#
# usage: fusion_prep.sh DIR N SEED [--restyle] [--style NAME] [--degrade P] [--codes F]
# env: RADNET (default build/radnet), JOBS (embed/ingest threads, default 2)
set -eu
[ $# -ge 3 ] || { sed -n 2,20p "$0"; exit 2; }
dir=$1 n=$2 seed=$3; shift 3
degrade= codes= restyle= style=us
while [ $# -gt 0 ]; do
    case $1 in
    --degrade) degrade=$2; shift 2 ;;
    --codes) codes=$2; shift 2 ;;
    --restyle) restyle=1; shift ;;
    --style) restyle=1 style=$2; shift 2 ;;
    *) echo "fusion_prep.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
bench=$(cd "$(dirname "$0")" && pwd)
bin=${RADNET:-build/radnet}
jobs=${JOBS:-2}
mkdir -p "$dir"
rm -rf "$dir/arch" "$dir/ws"
"$bin" --quiet synth --out "$dir/arch" -n "$n" --seed "$seed" --size small -j 1
if [ -n "$restyle" ]; then
    /usr/bin/python3 "$bench/fusion_restyle.py" "$dir/arch" "$seed" --style "$style"
fi
if [ -n "$codes" ]; then
    /usr/bin/python3 "$bench/fusion_degrade.py" "$dir/arch" "$seed" --codes "$codes"
fi
if [ -n "$degrade" ]; then
    # synth's archive holds non-DICOM and broken files on purpose: dcmodify
    # fails on those (and says so), the others are changed
    find "$dir/arch/dicom" -type f -print0 |
        xargs -0 -n 500 dcmodify -q -nb -imt -ie -ea "(0018,0015)" || :
    /usr/bin/python3 "$bench/fusion_degrade.py" "$dir/arch" "$seed" --drop-reports "$degrade"
fi
# exit 3: some files quarantined (synth's junk files, e.g. a Thumbs.db that
# dcmodify above turned into a data set without a SOP Instance UID)
"$bin" --quiet ingest "$dir/arch/dicom" -w "$dir/ws" --reports "$dir/arch/reports.csv" \
    -j "$jobs" || [ $? -eq 3 ]
for sm in image:hog meta:modality meta:text-tags meta:anatomy text:tfidf text:anatomy; do
    "$bin" --quiet embed -w "$dir/ws" --source "${sm%%:*}" --method "${sm#*:}" -j "$jobs"
done
/usr/bin/python3 "$bench/fusion_groups.py" "$dir/ws" "$dir/G.txt" "$dir/S.txt"
