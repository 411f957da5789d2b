/* Burned-in text: a 5×7 bitmap font for what devices write into pixels
 * (ultrasound headers, radiograph side markers, dose report pages). */
#ifndef RN_SYNTH_GLYPHS_H
#define RN_SYNTH_GLYPHS_H

#include <stddef.h>

/* Writes text (ASCII; lowercase drawn as uppercase, unknown characters as
 * blanks) into img (w×h floats) with its top-left corner at (x, y), each
 * font pixel a scale×scale block set to value; clipped to the image.
 * Returns the x after the last character. */
int glyph_text(float *img, int w, int h, int x, int y, int scale, const char *text, float value);

#endif
