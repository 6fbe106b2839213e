//! Personal-data types (ids, labels, aliases as policies write them).

/// The data-type ids permissions and sensitive APIs may reference.
pub const DATA_TYPE_IDS: &[&str] = &[
    "imei",
    "meid",
    "imsi",
    "iccid",
    "device_serial",
    "mac_address",
    "android_id",
    "oaid",
    "vaid",
    "aaid",
    "gaid",
    "idfa",
    "idfv",
    "openudid_guid",
    "vendor_ids",
    "installed_apps",
    "running_apps",
    "precise_location",
    "approx_location",
    "wifi_info",
    "cell_info",
    "ip_address",
    "network_info",
    "device_info",
    "phone_number",
    "clipboard",
    "sensors",
    "contacts",
    "call_log",
    "sms",
    "calendar",
    "photos_videos",
    "camera",
    "files",
    "audio",
    "crash_logs",
    "device_accounts",
    "user_id",
    "fitness",
    "health_sensor",
    "nearby_devices",
];

/// Known data-type ids (used to validate signature files).
pub fn known_ids() -> Option<Vec<&'static str>> {
    Some(DATA_TYPE_IDS.to_vec())
}
