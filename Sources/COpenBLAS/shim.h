// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). Only sgemm/sgemv/saxpy are used.
#include <cblas.h>
