#!/usr/bin/python3
"""The catalogue's Modality and SPEC §5 header region of every row of
WS/embeddings/rows.csv, one per line, for `radnet cluster --groups G.txt
--subgroups S.txt --group-share pairs` (what `radnet run` passes itself).
usage: fusion_groups.py WS G.txt S.txt"""
import csv, sqlite3, sys

ws, g_path, s_path = sys.argv[1:4]
sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{ws}/embeddings/rows.csv"))]
db = sqlite3.connect(f"file:{ws}/catalog.sqlite?mode=ro", uri=True)
hdr = {s: (m or "", r or "") for s, m, r in db.execute("SELECT sop_uid, modality, region FROM images")}
with open(g_path, "w") as g, open(s_path, "w") as s:
    for u in sops:
        g.write(hdr[u][0] + "\n")
        s.write((hdr[u][1] or "-") + "\n")
