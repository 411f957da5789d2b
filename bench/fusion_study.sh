#!/bin/sh
# The study and the fusion on one synthetic archive, with wall times:
#   bench/fusion_study.sh RADNET WORKDIR N SEED
# makes WORKDIR/arch (radnet synth --size small), WORKDIR/ws (ingest,
# embed), then radnet study --truth, radnet fuse (defaults and the study's
# choice) and bench/fusion_quality.py on single sources and fused matrices.
set -eu
R=$1; W=$2; N=$3; SEED=$4
HERE=$(cd "$(dirname "$0")" && pwd)
t() { label=$1; shift; /usr/bin/time -f "time $label: %es" "$@"; }
mkdir -p "$W"; cd "$W"
[ -d arch ] || t synth "$R" --quiet synth --out arch -n "$N" --seed "$SEED" --size small -j 2
[ -d ws ] || t ingest "$R" --quiet ingest arch/dicom -w ws --reports arch/reports.csv -j 2
for s in image meta text; do t "embed-$s" "$R" --quiet embed -w ws --source "$s" -j 2; done
REG=$(/usr/bin/python3 -c "import csv,sys; r=list(csv.DictReader(open('arch/truth.csv'))); print(len({x['Region'] for x in r if x['Modality']!='SR'}))")
t study "$R" --quiet study -w ws --truth arch/truth.csv --k "10,$REG,50" --seeds 3 -j 2
cat ws/study/choice.json
t fuse-default "$R" fuse -w ws --inputs image-pca,meta-authors,text-tfidf
cp ws/embeddings/fused.npy "$W/fused-default.npy"
t fuse-study "$R" fuse -w ws
cp ws/embeddings/fused.npy "$W/fused-study.npy"
CHOSEN=$(/usr/bin/python3 -c "import json; print(' '.join(n + '.npy' for n in json.load(open('ws/study/choice.json'))['inputs'] if n not in ('image-pca', 'meta-authors', 'text-tfidf')))")
/usr/bin/python3 "$HERE/fusion_quality.py" ws arch/truth.csv image-pca.npy meta-authors.npy \
    text-tfidf.npy $CHOSEN "$W/fused-default.npy" "$W/fused-study.npy"
