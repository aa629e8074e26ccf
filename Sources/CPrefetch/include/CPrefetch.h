// Cache hints for the per-event paths (Swift has no prefetch intrinsic). Each function is
// static inline: imported into Swift and inlined there, it is one instruction that loads
// nothing into a register, cannot fault (an address that is not mapped is simply not
// fetched) and changes no memory. No I/O, no state.
#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Asks the processor to bring the cache line holding `address` into its caches, for a read
/// or a write soon: the load that follows then finds it there instead of waiting on memory.
static inline __attribute__((always_inline)) void fs_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
