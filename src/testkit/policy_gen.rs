//! Generated worst-case policy documents for the linear-time tests
//! (`tests/it/policy_linear.rs`) and the benchmark (`benches/policy.rs`). Each is built from
//! a small real-looking table or text so every reader has work to do.

/// One HTML table row of an SDK list with a rowspan company cell and a colspan cell.
const ROW: &str = "<tr><td>极光推送SDK</td><td rowspan=\"2\">深圳市和讯华谷信息技术有限公司</td><td colspan=\"2\">设备信息（IMEI/MAC/Android ID/OAID）、网络信息、位置信息</td><td><a href=\"https://www.jiguang.cn/license/privacy\">隐私政策</a></td></tr>\n";

const HEADER: &str = "<tr><th>SDK名称</th><th>公司名称</th><th>收集个人信息</th><th>使用目的</th><th>隐私政策链接</th></tr>\n";

/// A paragraph of a real-looking Chinese policy naming SDKs and permissions (about 600 bytes).
const PROSE: &str = "为实现消息推送功能，我们接入了极光推送SDK，该SDK会收集您的设备信息（IMEI/MAC/Android ID）、网络信息与位置信息。我们还可能申请相机权限、存储权限（android.permission.WRITE_EXTERNAL_STORAGE）用于扫码和保存图片；若您拒绝授权，不影响其他功能的使用。友盟+SDK用于统计分析，收集设备标识符与应用使用数据。";

/// `n` nested `<div>` elements around one paragraph (100,000 ≈ 1.1 MB).
pub fn nested_divs(n: usize) -> String {
    let mut s = String::with_capacity(n * 11 + PROSE.len());
    s.push_str("<!doctype html><html><body>");
    for _ in 0..n {
        s.push_str("<div>");
    }
    s.push_str(PROSE);
    for _ in 0..n {
        s.push_str("</div>");
    }
    s.push_str("</body></html>");
    s
}

/// An HTML document with one SDK table of `rows` rows using rowspan and colspan.
pub fn span_table(rows: usize) -> String {
    let mut s = String::with_capacity(rows * ROW.len() + 200);
    s.push_str("<!doctype html><html><body><p>第三方SDK列表</p><table>");
    s.push_str(HEADER);
    for _ in 0..rows {
        s.push_str(ROW);
    }
    s.push_str("</table></body></html>");
    s
}

/// A Markdown policy holding `copies` HTML tables that are never closed.
pub fn unclosed_tables(copies: usize) -> String {
    let mut s = String::from("# 第三方SDK共享清单\n\n");
    for i in 0..copies {
        s.push_str(&format!("## 清单 {i}\n\n<table>\n"));
        s.push_str(HEADER);
        for _ in 0..10 {
            s.push_str(ROW);
        }
        s.push('\n');
    }
    s
}

/// Plain text of about `bytes` bytes: the prose paragraph repeated, one per line.
pub fn prose(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + PROSE.len());
    while s.len() < bytes {
        s.push_str(PROSE);
        s.push('\n');
    }
    s
}

/// The prose paragraph repeated on one line of about `bytes` bytes.
pub fn single_line(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + PROSE.len());
    while s.len() < bytes {
        s.push_str(PROSE);
    }
    s
}

/// A Markdown SDK table whose one name cell is about `bytes` bytes long.
pub fn huge_cell(bytes: usize) -> String {
    let mut s = String::from("| SDK名称 | 公司名称 | 隐私政策链接 |\n|---|---|---|\n| ");
    while s.len() < bytes {
        s.push_str("极光推送SDK ");
    }
    s.push_str("| 深圳市和讯华谷信息技术有限公司 | https://www.jiguang.cn/license/privacy |\n");
    s
}

/// A CSV declared table of `rows` SDK rows.
pub fn csv_rows(rows: usize) -> String {
    let mut s = String::from("kind,name,company,purpose,data_types,permissions,privacy_url\n");
    for i in 0..rows {
        s.push_str(&format!(
            "sdk,极光推送SDK {i},深圳市和讯华谷信息技术有限公司,消息推送,\"IMEI、OAID、应用列表\",android.permission.READ_PHONE_STATE,https://www.jiguang.cn/license/privacy\n"
        ));
    }
    s
}

/// A Markdown pipe table of `rows` SDK rows.
pub fn markdown_rows(rows: usize) -> String {
    let mut s = String::from(
        "# 第三方SDK\n\n| SDK名称 | 公司名称 | 收集个人信息 | 隐私政策链接 |\n|---|---|---|---|\n",
    );
    for _ in 0..rows {
        s.push_str("| 极光推送SDK | 深圳市和讯华谷信息技术有限公司 | 设备信息（IMEI/MAC/Android ID） | https://www.jiguang.cn/license/privacy |\n");
    }
    s
}
