// Everything of this target is in include/CPrefetch.h (static inline functions); SwiftPM needs
// one source file to build a C target.
#include "CPrefetch.h"
