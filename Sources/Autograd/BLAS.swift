// What OpenBLAS tells about itself: the kernel it runs (Haswell, SkylakeX…), which decides how
// its sums round. Provenance records keep it, since a trained result depends on it.

import COpenBLAS

public enum BLAS {
    /// The CPU kernel OpenBLAS chose ("Haswell"; OPENBLAS_CORETYPE overrides its detection).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
