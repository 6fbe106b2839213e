//! ELF shared objects (`lib/<abi>/*.so`) read with goblin: ABI, SONAME, DT_NEEDED,
//! exported symbols and JNI entry points (`Java_...`), with JNI name demangling.
//!
//! Limits: input above [`MAX_ELF_SIZE`] is rejected; goblin is called inside
//! `std::panic::catch_unwind` as a last resort, so a goblin panic on hostile input becomes
//! a [`ParseError`] instead of aborting the scan.

use crate::error::{Format, ParseError};
use goblin::elf::Elf;

/// Largest ELF file parsed (bytes).
pub const MAX_ELF_SIZE: usize = 512 * 1024 * 1024;

/// A parsed native library.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NativeLib {
    /// Android ABI (`arm64-v8a`, `armeabi-v7a`, `x86`, `x86_64`, ...), from the
    /// `lib/<abi>/` path when present, else from `e_machine`.
    pub abi: String,
    /// DT_SONAME, if any.
    pub soname: Option<String>,
    /// DT_NEEDED libraries, in order.
    pub needed: Vec<String>,
    /// Number of exported (defined, global/weak) dynamic symbols.
    pub exports: usize,
    /// Exported `Java_...` symbols (JNI entry points), sorted and deduplicated.
    pub jni_exports: Vec<String>,
}

/// A decoded JNI symbol: Java class (dotted) and method name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JniMethod {
    /// Fully qualified class name, e.g. `com.example.Native`.
    pub class: String,
    /// Method name.
    pub method: String,
}

fn abi_from_machine(m: u16) -> &'static str {
    use goblin::elf::header::*;
    match m {
        EM_AARCH64 => "arm64-v8a",
        EM_ARM => "armeabi-v7a",
        EM_386 => "x86",
        EM_X86_64 => "x86_64",
        EM_MIPS => "mips",
        EM_RISCV => "riscv64",
        _ => "unknown",
    }
}

impl NativeLib {
    /// Parse an ELF shared object found at `path_in_apk`.
    pub fn parse(path_in_apk: &str, data: &[u8]) -> Result<NativeLib, ParseError> {
        if data.len() > MAX_ELF_SIZE {
            return Err(ParseError::new(Format::Elf, 0, "file too large"));
        }
        if data.get(0..4) != Some(b"\x7fELF".as_slice()) {
            return Err(ParseError::new(
                Format::Elf,
                0,
                "not an ELF file (bad magic)",
            ));
        }
        let res = std::panic::catch_unwind(|| Self::parse_inner(path_in_apk, data));
        match res {
            Ok(r) => r,
            Err(_) => Err(ParseError::new(
                Format::Elf,
                0,
                "ELF parser panicked on malformed input",
            )),
        }
    }

    fn parse_inner(path_in_apk: &str, data: &[u8]) -> Result<NativeLib, ParseError> {
        let elf = Elf::parse(data).map_err(|e| ParseError::new(Format::Elf, 0, e.to_string()))?;
        let abi = path_abi(path_in_apk)
            .map(str::to_string)
            .unwrap_or_else(|| abi_from_machine(elf.header.e_machine).to_string());
        let mut exports = 0;
        let mut jni = Vec::new();
        for sym in elf.dynsyms.iter() {
            let bind = sym.st_bind();
            let global = bind == goblin::elf::sym::STB_GLOBAL || bind == goblin::elf::sym::STB_WEAK;
            if sym.st_shndx == 0 || !global {
                continue;
            }
            exports += 1;
            if let Some(name) = elf.dynstrtab.get_at(sym.st_name) {
                if name.starts_with("Java_") {
                    jni.push(name.to_string());
                }
            }
        }
        jni.sort();
        jni.dedup();
        Ok(NativeLib {
            abi,
            soname: elf.soname.map(str::to_string),
            needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
            exports,
            jni_exports: jni,
        })
    }

    /// Decoded JNI entry points (symbols that do not decode are skipped).
    pub fn jni_methods(&self) -> Vec<JniMethod> {
        self.jni_exports
            .iter()
            .filter_map(|s| demangle_jni(s))
            .collect()
    }

    /// Distinct Java classes that have JNI entry points here, sorted.
    pub fn jni_packages(&self) -> Vec<String> {
        let mut v: Vec<String> = self.jni_methods().into_iter().map(|m| m.class).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// The `<abi>` of a `lib/<abi>/name.so` path.
fn path_abi(path: &str) -> Option<&str> {
    let mut parts = path.split('/').rev();
    let _file = parts.next()?;
    let abi = parts.next()?;
    (parts.next() == Some("lib") && !abi.is_empty()).then_some(abi)
}

/// Decode a JNI symbol `Java_<mangled class>_<mangled method>[__<mangled signature>]`:
/// `_` separates components, `_1` is `_`, `_2` is `;`, `_3` is `[`, `_0xxxx` is a UTF-16
/// unit. Returns `None` if it is not a valid JNI name.
pub fn demangle_jni(sym: &str) -> Option<JniMethod> {
    let rest = sym.strip_prefix("Java_")?;
    // Drop the overload signature (`__` followed by the mangled argument list).
    let rest = match rest.find("__") {
        Some(i) => &rest[..i],
        None => rest,
    };
    let mut parts: Vec<String> = vec![String::new()];
    let mut units: Vec<u16> = Vec::new();
    let b = rest.as_bytes();
    let mut i = 0;
    let flush = |units: &mut Vec<u16>, parts: &mut Vec<String>| {
        if let Some(last) = parts.last_mut() {
            last.push_str(&String::from_utf16_lossy(units));
        }
        units.clear();
    };
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            match b.get(i + 1) {
                Some(b'1') => {
                    units.push(b'_' as u16);
                    i += 2;
                }
                Some(b'2') => {
                    units.push(b';' as u16);
                    i += 2;
                }
                Some(b'3') => {
                    units.push(b'[' as u16);
                    i += 2;
                }
                Some(b'0') => {
                    let hex = rest.get(i + 2..i + 6)?;
                    units.push(u16::from_str_radix(hex, 16).ok()?);
                    i += 6;
                }
                _ => {
                    flush(&mut units, &mut parts);
                    parts.push(String::new());
                    i += 1;
                }
            }
        } else {
            units.push(c as u16);
            i += 1;
        }
    }
    flush(&mut units, &mut parts);
    if parts.len() < 2 || parts.iter().any(String::is_empty) {
        return None;
    }
    let method = parts.pop()?;
    Some(JniMethod {
        class: parts.join("."),
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangle() {
        let m =
            demangle_jni("Java_com_tencent_bugly_crashreport_crash_jni_NativeCrashHandler_regist")
                .unwrap();
        assert_eq!(
            m.class,
            "com.tencent.bugly.crashreport.crash.jni.NativeCrashHandler"
        );
        assert_eq!(m.method, "regist");
        let m = demangle_jni("Java_a_b_1c_Foo_bar_1baz__ILjava_lang_String_2").unwrap();
        assert_eq!(m.class, "a.b_c.Foo");
        assert_eq!(m.method, "bar_baz");
        let m = demangle_jni("Java_p_C_m_00041x").unwrap();
        assert_eq!(m.method, "mAx");
        assert!(demangle_jni("Java_nope").is_none());
        assert!(demangle_jni("Java_a_b_0zz").is_none());
        assert!(demangle_jni("foo").is_none());
    }

    #[test]
    fn abi_from_path() {
        assert_eq!(path_abi("lib/arm64-v8a/libx.so"), Some("arm64-v8a"));
        assert_eq!(path_abi("jni/armeabi/libx.so"), None);
        assert_eq!(path_abi("libx.so"), None);
    }

    #[test]
    fn rejects_non_elf() {
        assert!(NativeLib::parse("lib/x86/a.so", b"").is_err());
        assert!(NativeLib::parse("lib/x86/a.so", b"\x7fELF\x02\x01").is_err());
    }
}
