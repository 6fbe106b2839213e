//! ZIP container: open the central directory, classify the container, read split-set
//! metadata, then read every entry through the capped reader with a per-file budget.
#![no_main]
use apkaudit::formats::zip::{Archive, Limits};
use apkaudit::input::budget::FileGuard;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small caps so a mutated size field cannot make one execution inflate hundreds of MiB.
    let limits = Limits {
        max_entry_size: 4 << 20,
        max_ratio: 1000,
        max_entries: 10_000,
    };
    let Ok(archive) = Archive::parse(data, limits) else {
        return;
    };
    let _ = apkaudit::input::kind::detect(&archive);
    let mut warnings = Vec::new();
    let _ = apkaudit::input::split_set::read_metadata(&archive, &mut warnings);
    let guard = FileGuard::new(None, 16 << 20, None);
    for e in archive.entries() {
        if let Ok(bytes) = apkaudit::input::reader::guarded_read(&archive, e, Some(&guard)) {
            assert!(bytes.len() as u64 <= limits.max_entry_size.max(e.compressed_size));
        }
        let _ = archive.find(&e.name);
    }
    let _ = archive.quirks().len();
});
