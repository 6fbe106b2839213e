//! Java class file: parse the constant pool, then read every name and reference.
#![no_main]
use apkaudit::formats::classfile::ClassFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = ClassFile::parse(data) {
        let _ = c.this_class();
        let _ = c.super_class();
        let _ = c.interfaces();
        let _ = c.strings();
        let _ = c.class_refs();
        let _ = c.method_refs();
        let _ = c.field_refs();
        for i in 0..=u16::MAX {
            if c.constant(i).is_none() && i > 0 {
                break;
            }
            let _ = c.utf8(i);
            let _ = c.class_name(i);
        }
    }
});
