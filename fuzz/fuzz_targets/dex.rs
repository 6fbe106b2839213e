//! Dex: parse the header, read every id table, every class def and class data, the map
//! list, and walk the bytecode of every method, resolving each reference it makes.
#![no_main]
use apkaudit::formats::dex::{code::walk_refs, code::RefKind, Dex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dex) = Dex::parse(data) else {
        return;
    };
    let _ = dex.map_list();
    for i in 0..dex.string_count() {
        let _ = dex.string(i);
    }
    for i in 0..dex.type_count() {
        let _ = dex.type_name(i);
    }
    for i in 0..dex.proto_count() {
        let _ = dex.proto_signature(i);
    }
    for i in 0..dex.field_count() {
        let _ = dex.field_id(i);
    }
    for i in 0..dex.method_count() {
        let _ = dex.method_display(i);
    }
    for name in dex.class_names() {
        let _ = name;
    }
    for def in dex.class_defs().flatten() {
        let _ = dex.type_list(def.interfaces_off);
    }
    dex.for_each_method_code(|_def, m, code| {
        let _ = dex.method_dexdump_name(m.method_idx);
        if let Ok(code) = code {
            let _ = walk_refs(&code, |r| {
                let _ = match r.kind {
                    RefKind::String => dex.string(r.index).map(drop),
                    RefKind::Type => dex.type_name(r.index).map(drop),
                    RefKind::Field => dex.field_id(r.index).map(drop),
                    RefKind::Method => dex.method_dexdump_name(r.index).map(drop),
                    RefKind::Proto => dex.proto_signature(r.index).map(drop),
                    _ => Ok(()),
                };
            });
        }
    });
});
