// Cairo 2D graphics (Debian: libcairo2-dev): image and SVG surfaces, fontconfig text.
#include <cairo/cairo.h>
#include <cairo/cairo-svg.h>
