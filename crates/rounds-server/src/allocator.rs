//! Settings of mimalloc, the allocator the `rounds-server` binary runs on.

/// mimalloc's `mi_option_purge_delay`, by its position in `mi_option_e` (mimalloc v3). The
/// bindings name only a few options, since the numbering may change between versions; the
/// test below checks this one by its documented default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives memory mimalloc has freed back to the system after 10 ms rather than v3's default of
/// one second. A pull frees megabytes at a time, a few times a second, so with the default the
/// memory of several pages stayed resident at once: 20 MiB more at the peak of a client's full
/// sync (docs/benchmarks.md).
pub fn tune() {
    // SAFETY: sets an integer option; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 10) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_meant() {
        // The documented v3 default, which no neighbouring option shares.
        // SAFETY: reads an integer option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
    }
}
