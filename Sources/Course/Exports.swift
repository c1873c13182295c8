// A lesson imports Course and gets the whole library.

@_exported import Autograd
@_exported import BytePairEncoding
@_exported import Chat
@_exported import Figures
@_exported import LessonRuntime
@_exported import Stepper
@_exported import TinyWeb
@_exported import Transformer
