//! resources.arsc: parse the table, then name, resolve and list the locales of every
//! resource id, and read every global string.
#![no_main]
use apkaudit::formats::arsc::ResourceTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = ResourceTable::parse(data) else {
        return;
    };
    let _ = t.warnings().len();
    for i in 0..t.string_count() as u32 {
        let _ = t.string(i);
    }
    for id in t.ids() {
        let _ = t.name(id);
        let _ = t.resolve(id);
        let _ = t.raw(id);
        for l in t.locales(id) {
            let _ = t.resolve_locale(id, &l);
        }
    }
});
