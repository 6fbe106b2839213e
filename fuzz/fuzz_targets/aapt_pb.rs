//! aapt2 protobuf XML (the manifest inside an .aab): decode, build the manifest model,
//! print it as text XML.
#![no_main]
use apkaudit::formats::{aapt_pb, manifest::Manifest, xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(root) = aapt_pb::parse_proto_xml(data) {
        let _ = root.count();
        let _ = std::hint::black_box(Manifest::from_xml(&root));
        let _ = xml::to_text_xml(&root);
    }
});
