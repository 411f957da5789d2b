#!/usr/bin/env python3
"""Compiles a text data file into a C array so the binary needs no data path:
embed_text.py INPUT OUTPUT.c SYMBOL. The table stays data (the input file)."""
import sys

src, out, sym = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* generated from %s by embed_text.py; do not edit */\n' % src.split('/')[-1])
    f.write('#include <stddef.h>\n')
    f.write('const unsigned char %s[] = {\n' % sym)
    for i in range(0, len(data), 16):
        f.write('  ' + ', '.join(str(b) for b in data[i:i + 16]) + ',\n')
    f.write('  0\n};\n')
    f.write('const size_t %s_len = %d;\n' % (sym, len(data)))
