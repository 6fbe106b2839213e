//! Binary XML (AndroidManifest.xml): decode, build the manifest model, print it as text XML.
#![no_main]
use apkaudit::formats::{axml, manifest::Manifest, xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = axml::looks_like_axml(data);
    if let Ok(doc) = axml::parse(data) {
        let _ = doc.root.count();
        let m = Manifest::from_xml(&doc.root);
        let _ = std::hint::black_box(m);
        let _ = xml::to_text_xml(&doc.root);
    }
});
