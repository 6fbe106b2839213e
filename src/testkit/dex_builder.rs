//! A small writer for valid dex files, for tests and demo samples.
//!
//! [`DexBuilder`] collects classes and methods whose code is a list of simple [`Insn`]s,
//! then [`DexBuilder::build`] lays out a complete dex 035 file: header (adler32 checksum
//! and SHA-1 signature), string/type/proto/field/method ids sorted as the format requires,
//! class defs (a superclass defined in the same file comes first), code items, type lists,
//! string data, class data and the map list.
//!
//! The code is structurally valid (dexdump and ART's dex file verifier read it) but not
//! type-checked: arguments of an invoke are passed in `v0…vN` whatever those registers
//! hold, so ART's bytecode verifier would reject most methods. It is meant for static
//! analysis fixtures, not for running.

use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `ACC_PUBLIC` access flag.
pub const ACC_PUBLIC: u32 = 0x1;
/// `ACC_PRIVATE` access flag.
pub const ACC_PRIVATE: u32 = 0x2;
/// `ACC_STATIC` access flag.
pub const ACC_STATIC: u32 = 0x8;
/// `ACC_FINAL` access flag.
pub const ACC_FINAL: u32 = 0x10;
/// `ACC_NATIVE` access flag (method without code).
pub const ACC_NATIVE: u32 = 0x100;
/// `ACC_ABSTRACT` access flag (method without code).
pub const ACC_ABSTRACT: u32 = 0x400;
/// `ACC_CONSTRUCTOR` access flag (`<init>` / `<clinit>`).
pub const ACC_CONSTRUCTOR: u32 = 0x10000;

/// An invalid builder input (bad descriptor, duplicate class or method, too many ids).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dex builder: {0}")]
pub struct BuildError(pub String);

fn berr<T>(s: impl Into<String>) -> Result<T, BuildError> {
    Err(BuildError(s.into()))
}

/// Invoke flavours supported by [`Insn::Invoke`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeKind {
    /// invoke-virtual (receiver in `v0`).
    Virtual,
    /// invoke-super (receiver in `v0`).
    Super,
    /// invoke-direct (receiver in `v0`).
    Direct,
    /// invoke-static.
    Static,
    /// invoke-interface (receiver in `v0`).
    Interface,
}

impl InvokeKind {
    fn opcodes(self) -> (u8, u8) {
        match self {
            InvokeKind::Virtual => (0x6e, 0x74),
            InvokeKind::Super => (0x6f, 0x75),
            InvokeKind::Direct => (0x70, 0x76),
            InvokeKind::Static => (0x71, 0x77),
            InvokeKind::Interface => (0x72, 0x78),
        }
    }
}

/// One instruction of a built method. Registers are chosen by the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insn {
    /// `const-string v0, s` (`const-string/jumbo` when the string index exceeds 16 bits).
    ConstString(String),
    /// `invoke-* {v0 …}, class.name:proto` (`/range` when more than 5 argument words).
    Invoke {
        /// Invoke flavour.
        kind: InvokeKind,
        /// Defining class descriptor, e.g. `Landroid/telephony/TelephonyManager;`.
        class: String,
        /// Method name.
        name: String,
        /// Method descriptor, e.g. `(Ljava/lang/String;)V`.
        proto: String,
    },
    /// `sget-object v0, class.name:ty`.
    SgetObject {
        /// Defining class descriptor.
        class: String,
        /// Field name.
        name: String,
        /// Field type descriptor.
        ty: String,
    },
    /// `const-class v0, ty`.
    ConstClass(String),
    /// `return-void`.
    ReturnVoid,
    /// Raw code units copied verbatim; they must not reference any id (use for
    /// arithmetic, branches, switch and array payloads in tests).
    Raw(Vec<u16>),
}

impl Insn {
    /// `invoke-static`.
    pub fn invoke_static(class: &str, name: &str, proto: &str) -> Insn {
        Insn::invoke(InvokeKind::Static, class, name, proto)
    }
    /// `invoke-virtual`.
    pub fn invoke_virtual(class: &str, name: &str, proto: &str) -> Insn {
        Insn::invoke(InvokeKind::Virtual, class, name, proto)
    }
    /// `invoke-direct`.
    pub fn invoke_direct(class: &str, name: &str, proto: &str) -> Insn {
        Insn::invoke(InvokeKind::Direct, class, name, proto)
    }
    /// Any invoke flavour.
    pub fn invoke(kind: InvokeKind, class: &str, name: &str, proto: &str) -> Insn {
        Insn::Invoke {
            kind,
            class: class.into(),
            name: name.into(),
            proto: proto.into(),
        }
    }
    /// `const-string`.
    pub fn const_string(s: &str) -> Insn {
        Insn::ConstString(s.into())
    }
    /// `sget-object`.
    pub fn sget_object(class: &str, name: &str, ty: &str) -> Insn {
        Insn::SgetObject {
            class: class.into(),
            name: name.into(),
            ty: ty.into(),
        }
    }
    /// `return-void`.
    pub fn return_void() -> Insn {
        Insn::ReturnVoid
    }
}

#[derive(Debug, Clone)]
struct MethodSpec {
    name: String,
    proto: String,
    access: u32,
    code: Vec<Insn>,
}

#[derive(Debug, Clone)]
struct ClassSpec {
    name: String,
    superclass: Option<String>,
    access: u32,
    methods: Vec<MethodSpec>,
}

/// Collects classes and methods, then writes a dex file with [`DexBuilder::build`].
#[derive(Debug, Clone, Default)]
pub struct DexBuilder {
    classes: Vec<ClassSpec>,
}

/// A class being added to a [`DexBuilder`]; add methods to it.
pub struct ClassHandle<'b> {
    b: &'b mut DexBuilder,
    idx: usize,
}

impl ClassHandle<'_> {
    /// Add a method with explicit access flags. Methods flagged static, private or
    /// constructor go to the direct methods, others to the virtual methods. With
    /// `ACC_ABSTRACT` or `ACC_NATIVE` the method gets no code item (`code` is ignored).
    pub fn method(&mut self, name: &str, proto: &str, access: u32, code: Vec<Insn>) -> &mut Self {
        if let Some(c) = self.b.classes.get_mut(self.idx) {
            c.methods.push(MethodSpec {
                name: name.into(),
                proto: proto.into(),
                access,
                code,
            });
        }
        self
    }

    /// Add a `public static` method.
    pub fn static_method(&mut self, name: &str, proto: &str, code: Vec<Insn>) -> &mut Self {
        self.method(name, proto, ACC_PUBLIC | ACC_STATIC, code)
    }

    /// Add a `public` virtual method.
    pub fn virtual_method(&mut self, name: &str, proto: &str, code: Vec<Insn>) -> &mut Self {
        self.method(name, proto, ACC_PUBLIC, code)
    }

    /// Add `public <init>()V` calling the superclass constructor (or
    /// `Ljava/lang/Object;.<init>` when there is none).
    pub fn constructor(&mut self) -> &mut Self {
        let sup = self
            .b
            .classes
            .get(self.idx)
            .and_then(|c| c.superclass.clone())
            .unwrap_or_else(|| "Ljava/lang/Object;".into());
        self.method(
            "<init>",
            "()V",
            ACC_PUBLIC | ACC_CONSTRUCTOR,
            vec![Insn::invoke_direct(&sup, "<init>", "()V"), Insn::ReturnVoid],
        )
    }
}

impl DexBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a `public` class `name` (descriptor, e.g. `Lcom/foo/Bar;`) with `superclass`
    /// (descriptor; `None` means none, only valid for `Ljava/lang/Object;`).
    pub fn class(&mut self, name: &str, superclass: Option<&str>) -> ClassHandle<'_> {
        self.classes.push(ClassSpec {
            name: name.into(),
            superclass: superclass.map(Into::into),
            access: ACC_PUBLIC,
            methods: Vec::new(),
        });
        let idx = self.classes.len() - 1;
        ClassHandle { b: self, idx }
    }

    /// Write the dex file.
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
        Layout::new(self)?.write()
    }
}

/// Parse one field/parameter type descriptor at the start of `s`; returns its length.
fn type_len(s: &[u8], allow_void: bool) -> Option<usize> {
    let mut i = 0;
    while s.get(i) == Some(&b'[') {
        i += 1;
    }
    match s.get(i)? {
        b'V' if i == 0 && allow_void => Some(1),
        b'Z' | b'B' | b'S' | b'C' | b'I' | b'J' | b'F' | b'D' => Some(i + 1),
        b'L' => {
            let end = s[i..].iter().position(|&b| b == b';')?;
            let body = &s[i + 1..i + end];
            if body.is_empty()
                || body
                    .iter()
                    .any(|&b| matches!(b, b'.' | b'(' | b')' | b'[' | b';' | b' '))
                || body.split(|&b| b == b'/').any(|p| p.is_empty())
            {
                return None;
            }
            Some(i + end + 1)
        }
        _ => None,
    }
}

fn check_type(t: &str, allow_void: bool) -> Result<(), BuildError> {
    match type_len(t.as_bytes(), allow_void) {
        Some(n) if n == t.len() => Ok(()),
        _ => berr(format!("bad type descriptor {t:?}")),
    }
}

fn check_class(t: &str) -> Result<(), BuildError> {
    check_type(t, false)?;
    if !t.starts_with('L') {
        return berr(format!("{t:?} is not a class descriptor"));
    }
    Ok(())
}

fn check_member(name: &str) -> Result<(), BuildError> {
    let ok = name == "<init>"
        || name == "<clinit>"
        || (!name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '$' | '_' | '-')));
    if ok {
        Ok(())
    } else {
        berr(format!("bad member name {name:?}"))
    }
}

/// A parsed method descriptor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Sig {
    params: Vec<String>,
    ret: String,
}

fn parse_sig(s: &str) -> Result<Sig, BuildError> {
    let b = s.as_bytes();
    let bad = || BuildError(format!("bad method descriptor {s:?}"));
    if b.first() != Some(&b'(') {
        return Err(bad());
    }
    let mut i = 1;
    let mut params = Vec::new();
    while b.get(i) != Some(&b')') {
        let n = b
            .get(i..)
            .and_then(|r| type_len(r, false))
            .ok_or_else(bad)?;
        params.push(s[i..i + n].to_string());
        i += n;
    }
    let ret = &s[i + 1..];
    check_type(ret, true).map_err(|_| bad())?;
    Ok(Sig {
        params,
        ret: ret.to_string(),
    })
}

fn words(t: &str) -> u32 {
    if t == "J" || t == "D" {
        2
    } else {
        1
    }
}

fn shorty(sig: &Sig) -> String {
    let c = |t: &str| match t.as_bytes().first() {
        Some(b'[') | Some(b'L') => 'L',
        Some(&b) => b as char,
        None => 'V',
    };
    std::iter::once(c(&sig.ret))
        .chain(sig.params.iter().map(|p| c(p)))
        .collect()
}

/// Modified UTF-8 bytes and UTF-16 length of `s`.
fn mutf8(s: &str) -> (Vec<u8>, u32) {
    let mut out = Vec::with_capacity(s.len());
    let mut n = 0u32;
    for u in s.encode_utf16() {
        n += 1;
        match u {
            1..=0x7f => out.push(u as u8),
            0 | 0x80..=0x7ff => {
                out.push(0xc0 | (u >> 6) as u8);
                out.push(0x80 | (u & 0x3f) as u8);
            }
            _ => {
                out.push(0xe0 | (u >> 12) as u8);
                out.push(0x80 | ((u >> 6) & 0x3f) as u8);
                out.push(0x80 | (u & 0x3f) as u8);
            }
        }
    }
    (out, n)
}

fn uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn put_u16(v: &mut [u8], off: usize, x: u16) {
    if let Some(s) = v.get_mut(off..off + 2) {
        s.copy_from_slice(&x.to_le_bytes());
    }
}

fn put_u32(v: &mut [u8], off: usize, x: u32) {
    if let Some(s) = v.get_mut(off..off + 4) {
        s.copy_from_slice(&x.to_le_bytes());
    }
}

fn align4(v: &mut Vec<u8>) {
    while v.len() % 4 != 0 {
        v.push(0);
    }
}

fn u32len(n: usize, what: &str) -> Result<u32, BuildError> {
    u32::try_from(n).map_err(|_| BuildError(format!("too many {what}")))
}

/// Sort key of a field or method id: (class type, name string, type or proto) indices.
type IdKey = (u32, u32, u32);
/// A field by (class, name, type) descriptors.
type FieldKey = (String, String, String);
/// A method by (class, name, signature).
type MethodKey = (String, String, Sig);

/// Ids assigned to everything the classes reference.
struct Layout<'b> {
    b: &'b DexBuilder,
    strings: Vec<String>,
    string_idx: HashMap<String, u32>,
    types: Vec<String>,
    type_idx: HashMap<String, u32>,
    protos: Vec<Sig>,
    fields: Vec<IdKey>,
    field_idx: HashMap<FieldKey, u32>,
    methods: Vec<IdKey>,
    method_idx: HashMap<MethodKey, u32>,
    /// Class spec indices in class-def order.
    order: Vec<usize>,
}

impl<'b> Layout<'b> {
    fn new(b: &'b DexBuilder) -> Result<Self, BuildError> {
        let mut strings = BTreeSet::new();
        let mut types = BTreeSet::new();
        let mut sigs = BTreeSet::new();
        let mut fields = BTreeSet::new();
        let mut methods = BTreeSet::new();
        let mut add_sig = |s: &str,
                           types: &mut BTreeSet<String>,
                           strings: &mut BTreeSet<String>|
         -> Result<Sig, BuildError> {
            let sig = parse_sig(s)?;
            types.insert(sig.ret.clone());
            types.extend(sig.params.iter().cloned());
            strings.insert(shorty(&sig));
            sigs.insert(sig.clone());
            Ok(sig)
        };
        let mut names = BTreeSet::new();
        for c in &b.classes {
            check_class(&c.name)?;
            if !names.insert(c.name.clone()) {
                return berr(format!("class {} defined twice", c.name));
            }
            types.insert(c.name.clone());
            if let Some(s) = &c.superclass {
                check_class(s)?;
                if *s == c.name {
                    return berr(format!("class {} is its own superclass", c.name));
                }
                types.insert(s.clone());
            }
            let mut own = BTreeSet::new();
            for m in &c.methods {
                check_member(&m.name)?;
                let sig = add_sig(&m.proto, &mut types, &mut strings)?;
                strings.insert(m.name.clone());
                if !own.insert((m.name.clone(), sig.clone())) {
                    return berr(format!(
                        "method {}.{}{} defined twice",
                        c.name, m.name, m.proto
                    ));
                }
                methods.insert((c.name.clone(), m.name.clone(), sig));
                for i in &m.code {
                    match i {
                        Insn::ConstString(s) => {
                            strings.insert(s.clone());
                        }
                        Insn::Invoke {
                            class, name, proto, ..
                        } => {
                            check_class(class)?;
                            check_member(name)?;
                            let sig = add_sig(proto, &mut types, &mut strings)?;
                            types.insert(class.clone());
                            strings.insert(name.clone());
                            methods.insert((class.clone(), name.clone(), sig));
                        }
                        Insn::SgetObject { class, name, ty } => {
                            check_class(class)?;
                            check_member(name)?;
                            check_type(ty, false)?;
                            types.insert(class.clone());
                            types.insert(ty.clone());
                            strings.insert(name.clone());
                            fields.insert((class.clone(), name.clone(), ty.clone()));
                        }
                        Insn::ConstClass(t) => {
                            check_type(t, false)?;
                            types.insert(t.clone());
                        }
                        Insn::ReturnVoid | Insn::Raw(_) => {}
                    }
                }
            }
        }
        strings.extend(types.iter().cloned());
        // Strings: sorted by UTF-16 code units.
        let mut strings: Vec<String> = strings.into_iter().collect();
        strings.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
        let string_idx: HashMap<String, u32> = strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        // Types: sorted by string index.
        let mut types: Vec<String> = types.into_iter().collect();
        types.sort_by_key(|t| string_idx.get(t).copied());
        if types.len() > 0x10000 {
            return berr("more than 65536 types");
        }
        let type_idx: HashMap<String, u32> = types
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        let ti = |t: &str| type_idx.get(t).copied().unwrap_or(0);
        let si = |s: &str| string_idx.get(s).copied().unwrap_or(0);
        // Protos: return type, then parameter type indices.
        let mut protos: Vec<Sig> = sigs.into_iter().collect();
        let pkey = |s: &Sig| {
            (
                ti(&s.ret),
                s.params.iter().map(|p| ti(p)).collect::<Vec<_>>(),
            )
        };
        protos.sort_by_key(pkey);
        if protos.len() > 0x10000 {
            return berr("more than 65536 protos");
        }
        let proto_idx: HashMap<Sig, u32> = protos
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        // Fields: class, name, type.
        let mut fv: Vec<(IdKey, FieldKey)> = fields
            .into_iter()
            .map(|(c, n, t)| ((ti(&c), si(&n), ti(&t)), (c, n, t)))
            .collect();
        fv.sort();
        if fv.len() > 0x10000 {
            return berr("more than 65536 fields");
        }
        let field_idx = fv
            .iter()
            .enumerate()
            .map(|(i, (_, k))| (k.clone(), i as u32))
            .collect();
        // Methods: class, name, proto.
        let mut mv: Vec<(IdKey, MethodKey)> = methods
            .into_iter()
            .map(|(c, n, s)| {
                let p = proto_idx.get(&s).copied().unwrap_or(0);
                ((ti(&c), si(&n), p), (c, n, s))
            })
            .collect();
        mv.sort();
        if mv.len() > 0x10000 {
            return berr("more than 65536 methods");
        }
        let method_idx = mv
            .iter()
            .enumerate()
            .map(|(i, (_, k))| (k.clone(), i as u32))
            .collect();
        // Class defs: a superclass defined here must come first.
        let pos: HashMap<&str, usize> = b
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        let mut order = Vec::with_capacity(b.classes.len());
        let mut state = vec![0u8; b.classes.len()]; // 0 new, 1 visiting, 2 done
        for start in 0..b.classes.len() {
            let mut chain = Vec::new();
            let mut cur = Some(start);
            while let Some(i) = cur {
                match state[i] {
                    2 => break,
                    1 => return berr(format!("superclass cycle at {}", b.classes[i].name)),
                    _ => {}
                }
                state[i] = 1;
                chain.push(i);
                cur = b.classes[i]
                    .superclass
                    .as_deref()
                    .and_then(|s| pos.get(s).copied());
            }
            for &i in chain.iter().rev() {
                state[i] = 2;
                order.push(i);
            }
        }
        Ok(Layout {
            b,
            strings,
            string_idx,
            types,
            type_idx,
            protos,
            fields: fv.into_iter().map(|(k, _)| k).collect(),
            field_idx,
            methods: mv.into_iter().map(|(k, _)| k).collect(),
            method_idx,
            order,
        })
    }

    fn s(&self, s: &str) -> u32 {
        self.string_idx.get(s).copied().unwrap_or(0)
    }
    fn t(&self, s: &str) -> u32 {
        self.type_idx.get(s).copied().unwrap_or(0)
    }

    /// Encode a method's code item (header + insns), 4-byte aligned length.
    fn code_item(&self, class: &str, m: &MethodSpec) -> Result<Vec<u8>, BuildError> {
        let sig = parse_sig(&m.proto)?;
        let is_static = m.access & ACC_STATIC != 0;
        let ins: u32 = sig.params.iter().map(|p| words(p)).sum::<u32>() + u32::from(!is_static);
        let mut units: Vec<u16> = Vec::new();
        let (mut locals, mut outs) = (0u32, 0u32);
        for i in &m.code {
            match i {
                Insn::ConstString(s) => {
                    let idx = self.s(s);
                    locals = locals.max(1);
                    if idx <= 0xffff {
                        units.extend([0x001a, idx as u16]);
                    } else {
                        units.extend([0x001b, idx as u16, (idx >> 16) as u16]);
                    }
                }
                Insn::Invoke {
                    kind,
                    class,
                    name,
                    proto,
                } => {
                    let s = parse_sig(proto)?;
                    let key = (class.clone(), name.clone(), s);
                    let idx = self.method_idx.get(&key).copied().unwrap_or(0) as u16;
                    let n = key.2.params.iter().map(|p| words(p)).sum::<u32>()
                        + u32::from(*kind != InvokeKind::Static);
                    if n > 255 {
                        return berr(format!("too many argument words for {name}"));
                    }
                    locals = locals.max(n);
                    outs = outs.max(n);
                    let (op35, op3r) = kind.opcodes();
                    if n <= 5 {
                        // A|G|op BBBB F|E|D|C with registers v0..v(n-1)
                        let g = if n == 5 { 4u16 } else { 0 };
                        let mut fedc = 0u16;
                        for r in 0..n.min(4) {
                            fedc |= (r as u16) << (4 * r);
                        }
                        units.extend([(n as u16) << 12 | g << 8 | op35 as u16, idx, fedc]);
                    } else {
                        units.extend([(n as u16) << 8 | op3r as u16, idx, 0]);
                    }
                }
                Insn::SgetObject { class, name, ty } => {
                    let key = (class.clone(), name.clone(), ty.clone());
                    let idx = self.field_idx.get(&key).copied().unwrap_or(0) as u16;
                    locals = locals.max(1);
                    units.extend([0x0062, idx]);
                }
                Insn::ConstClass(t) => {
                    locals = locals.max(1);
                    units.extend([0x001c, self.t(t) as u16]);
                }
                Insn::ReturnVoid => units.push(0x000e),
                Insn::Raw(u) => {
                    locals = locals.max(1);
                    units.extend_from_slice(u);
                }
            }
        }
        let regs = locals + ins;
        if regs > 0xffff {
            return berr(format!("too many registers in {class}.{}", m.name));
        }
        let mut v = Vec::with_capacity(16 + units.len() * 2);
        v.extend_from_slice(&(regs as u16).to_le_bytes());
        v.extend_from_slice(&(ins as u16).to_le_bytes());
        v.extend_from_slice(&(outs as u16).to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes()); // tries_size
        v.extend_from_slice(&0u32.to_le_bytes()); // debug_info_off
        v.extend_from_slice(&u32len(units.len(), "code units")?.to_le_bytes());
        for u in units {
            v.extend_from_slice(&u.to_le_bytes());
        }
        align4(&mut v);
        Ok(v)
    }

    fn write(&self) -> Result<Vec<u8>, BuildError> {
        let ns = self.strings.len();
        let nt = self.types.len();
        let np = self.protos.len();
        let nf = self.fields.len();
        let nm = self.methods.len();
        let nc = self.order.len();
        let string_ids_off = 0x70usize;
        let type_ids_off = string_ids_off + 4 * ns;
        let proto_ids_off = type_ids_off + 4 * nt;
        let field_ids_off = proto_ids_off + 12 * np;
        let method_ids_off = field_ids_off + 8 * nf;
        let class_defs_off = method_ids_off + 8 * nm;
        let data_off = class_defs_off + 32 * nc;
        let mut out = vec![0u8; data_off];
        let mut map: Vec<(u16, u32, u32)> = vec![(0x0000, 1, 0)];
        let mut sec = |code: u16, n: usize, off: usize| {
            if n > 0 {
                map.push((code, n as u32, off as u32));
            }
        };
        sec(0x0001, ns, string_ids_off);
        sec(0x0002, nt, type_ids_off);
        sec(0x0003, np, proto_ids_off);
        sec(0x0004, nf, field_ids_off);
        sec(0x0005, nm, method_ids_off);
        sec(0x0006, nc, class_defs_off);

        // code items
        let code_start = out.len();
        let mut code_offs: HashMap<(usize, usize), u32> = HashMap::new();
        let mut n_code = 0;
        for &ci in &self.order {
            let c = &self.b.classes[ci];
            for (mi, m) in c.methods.iter().enumerate() {
                if m.access & (ACC_ABSTRACT | ACC_NATIVE) != 0 {
                    continue;
                }
                code_offs.insert((ci, mi), u32len(out.len(), "bytes")?);
                out.extend(self.code_item(&c.name, m)?);
                n_code += 1;
            }
        }
        sec(0x2001, n_code, code_start);

        // type lists (proto parameters), deduplicated
        align4(&mut out);
        let tl_start = out.len();
        let mut lists: BTreeMap<Vec<u16>, u32> = BTreeMap::new();
        let mut proto_params = Vec::with_capacity(np);
        for p in &self.protos {
            if p.params.is_empty() {
                proto_params.push(0);
                continue;
            }
            let l: Vec<u16> = p.params.iter().map(|t| self.t(t) as u16).collect();
            let off = match lists.get(&l) {
                Some(&o) => o,
                None => {
                    align4(&mut out);
                    let o = u32len(out.len(), "bytes")?;
                    out.extend_from_slice(&(l.len() as u32).to_le_bytes());
                    for t in &l {
                        out.extend_from_slice(&t.to_le_bytes());
                    }
                    lists.insert(l, o);
                    o
                }
            };
            proto_params.push(off);
        }
        sec(0x1001, lists.len(), tl_start);

        // string data
        let sd_start = out.len();
        for (i, s) in self.strings.iter().enumerate() {
            let here = u32len(out.len(), "bytes")?;
            put_u32(&mut out, string_ids_off + 4 * i, here);
            let (bytes, n16) = mutf8(s);
            uleb(&mut out, n16);
            out.extend_from_slice(&bytes);
            out.push(0);
        }
        sec(0x2002, ns, sd_start);

        // class data
        let cd_start = out.len();
        let mut n_cd = 0;
        let mut class_data_offs = vec![0u32; self.b.classes.len()];
        for &ci in &self.order {
            let c = &self.b.classes[ci];
            if c.methods.is_empty() {
                continue;
            }
            let mut direct = Vec::new();
            let mut virt = Vec::new();
            for (mi, m) in c.methods.iter().enumerate() {
                let sig = parse_sig(&m.proto)?;
                let key = (c.name.clone(), m.name.clone(), sig);
                let idx = self.method_idx.get(&key).copied().unwrap_or(0);
                let code = code_offs.get(&(ci, mi)).copied().unwrap_or(0);
                let e = (idx, m.access, code);
                if m.access & (ACC_STATIC | ACC_PRIVATE | ACC_CONSTRUCTOR) != 0 {
                    direct.push(e);
                } else {
                    virt.push(e);
                }
            }
            direct.sort();
            virt.sort();
            class_data_offs[ci] = u32len(out.len(), "bytes")?;
            uleb(&mut out, 0);
            uleb(&mut out, 0);
            uleb(&mut out, direct.len() as u32);
            uleb(&mut out, virt.len() as u32);
            for list in [&direct, &virt] {
                let mut prev = 0;
                for &(idx, acc, code) in list.iter() {
                    uleb(&mut out, idx - prev);
                    uleb(&mut out, acc);
                    uleb(&mut out, code);
                    prev = idx;
                }
            }
            n_cd += 1;
        }
        sec(0x2000, n_cd, cd_start);

        // map list (last)
        align4(&mut out);
        let map_off = out.len();
        sec(0x1000, 1, map_off);
        out.extend_from_slice(&(map.len() as u32).to_le_bytes());
        for (code, n, off) in &map {
            out.extend_from_slice(&code.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&off.to_le_bytes());
        }
        let file_size = u32len(out.len(), "bytes")?;

        // id sections
        for (i, t) in self.types.iter().enumerate() {
            put_u32(&mut out, type_ids_off + 4 * i, self.s(t));
        }
        for (i, p) in self.protos.iter().enumerate() {
            let o = proto_ids_off + 12 * i;
            put_u32(&mut out, o, self.s(&shorty(p)));
            put_u32(&mut out, o + 4, self.t(&p.ret));
            put_u32(&mut out, o + 8, proto_params.get(i).copied().unwrap_or(0));
        }
        for (i, &(c, n, t)) in self.fields.iter().enumerate() {
            let o = field_ids_off + 8 * i;
            put_u16(&mut out, o, c as u16);
            put_u16(&mut out, o + 2, t as u16);
            put_u32(&mut out, o + 4, n);
        }
        for (i, &(c, n, p)) in self.methods.iter().enumerate() {
            let o = method_ids_off + 8 * i;
            put_u16(&mut out, o, c as u16);
            put_u16(&mut out, o + 2, p as u16);
            put_u32(&mut out, o + 4, n);
        }
        for (k, &ci) in self.order.iter().enumerate() {
            let c = &self.b.classes[ci];
            let o = class_defs_off + 32 * k;
            put_u32(&mut out, o, self.t(&c.name));
            put_u32(&mut out, o + 4, c.access);
            let sup = c
                .superclass
                .as_deref()
                .map_or(crate::formats::dex::NO_INDEX, |s| self.t(s));
            put_u32(&mut out, o + 8, sup);
            put_u32(&mut out, o + 12, 0); // interfaces
            put_u32(&mut out, o + 16, crate::formats::dex::NO_INDEX); // source file
            put_u32(&mut out, o + 20, 0); // annotations
            put_u32(&mut out, o + 24, class_data_offs[ci]);
            put_u32(&mut out, o + 28, 0); // static values
        }

        // header
        out[0..8].copy_from_slice(b"dex\n035\0");
        put_u32(&mut out, 0x20, file_size);
        put_u32(&mut out, 0x24, 0x70);
        put_u32(&mut out, 0x28, 0x1234_5678);
        put_u32(&mut out, 0x34, map_off as u32);
        let ids = [
            (0x38, ns, string_ids_off),
            (0x40, nt, type_ids_off),
            (0x48, np, proto_ids_off),
            (0x50, nf, field_ids_off),
            (0x58, nm, method_ids_off),
            (0x60, nc, class_defs_off),
            (0x68, out.len() - data_off, data_off),
        ];
        for (h, n, off) in ids {
            put_u32(&mut out, h, n as u32);
            put_u32(&mut out, h + 4, if n == 0 { 0 } else { off as u32 });
        }
        let sig = Sha1::digest(&out[32..]);
        out[12..32].copy_from_slice(&sig);
        let sum = adler32(&out[12..]);
        put_u32(&mut out, 8, sum);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_and_encodings() {
        assert!(parse_sig("(ILjava/lang/String;[J)V").is_ok());
        assert!(parse_sig("(V)V").is_err());
        assert!(parse_sig("()").is_err());
        assert!(parse_sig("(Lfoo)V").is_err());
        assert_eq!(
            shorty(&parse_sig("([IJLa/B;)Z").unwrap()),
            "ZLJL".to_string()
        );
        assert_eq!(mutf8("a\0é"), (vec![b'a', 0xc0, 0x80, 0xc3, 0xa9], 3));
        assert_eq!(mutf8("\u{1F600}").1, 2);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let mut v = Vec::new();
        uleb(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
    }

    #[test]
    fn rejects_bad_input() {
        let mut b = DexBuilder::new();
        b.class("com/foo/Bar", None);
        assert!(b.build().is_err());
        let mut b = DexBuilder::new();
        b.class("La/A;", Some("La/B;"));
        b.class("La/B;", Some("La/A;"));
        assert!(b.build().unwrap_err().0.contains("cycle"));
    }
}
