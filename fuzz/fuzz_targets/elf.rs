//! ELF shared object: parse (goblin behind the library's own checks), then decode every
//! JNI export.
#![no_main]
use apkaudit::formats::elf::NativeLib;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lib) = NativeLib::parse("lib/arm64-v8a/libfuzz.so", data) {
        let _ = lib.jni_methods();
        let _ = lib.jni_packages();
    }
});
