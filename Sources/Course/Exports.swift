// A lesson imports Course and gets the whole library.

@_exported import Autograd
@_exported import BytePairEncoding
@_exported import Figures
@_exported import Transformer
@_exported import Stepper
@_exported import TinyWeb
