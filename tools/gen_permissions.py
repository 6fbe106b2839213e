#!/usr/bin/env python3
"""Generates data/permissions.toml (schema and sources: docs/permissions.md).

Two steps:

  python3 tools/gen_permissions.py snapshot DIR
      DIR = androguard's androguard/core/api_specific_resources/aosp_permissions
      (pip download androguard==4.1.4; unzip the wheel). Rewrites
      tools/permission-sources/aosp_permissions.tsv, a compact per-permission digest of the
      per-API-level AOSP core/res/AndroidManifest.xml permission lists that androguard ships.

  python3 tools/gen_permissions.py
      Rewrites data/permissions.toml from that digest, the zh-CN label file
      tools/permission-sources/aosp_zh_CN_permlab.tsv, and the curated tables below
      (policy display names, data types, runtime groups, deprecation notes, non-AOSP
      permissions).
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(HERE, "permission-sources")
SNAP = os.path.join(SRC, "aosp_permissions.tsv")
ZH = os.path.join(SRC, "aosp_zh_CN_permlab.tsv")
ZH_LEGACY = os.path.join(SRC, "aosp_zh_CN_permlab_legacy.tsv")
OUT = os.path.join(ROOT, "data", "permissions.toml")
P = "android.permission."

# ---------------------------------------------------------------------------------------
# step 1: snapshot digest
# ---------------------------------------------------------------------------------------


def snapshot(d):
    files = glob.glob(os.path.join(d, "permissions_*.json"))
    lv = sorted(int(os.path.basename(f)[len("permissions_"):-len(".json")]) for f in files)
    data = {}
    for l in lv:
        with open(os.path.join(d, f"permissions_{l}.json"), encoding="utf-8") as fh:
            data[l] = json.load(fh)["permissions"]
    names = sorted(set().union(*[set(x) for x in data.values()]))

    def ranges(pres):
        idx = [lv.index(l) for l in pres]
        out = []
        start = prev = idx[0]
        for j in idx[1:]:
            if j == prev + 1:
                prev = j
                continue
            out.append((lv[start], lv[prev]))
            start = prev = j
        out.append((lv[start], lv[prev]))
        return ",".join(f"{a}-{b}" if a != b else f"{a}" for a, b in out)

    lines = [
        "# Digest of the AOSP platform permission lists shipped by androguard 4.1.4",
        "# (PyPI wheel androguard-4.1.4-py3-none-any.whl, sha256",
        "# 6265a6d4007401cf5a62a98fa99a1c2994644d4311da031a5398efe3bcaa63b0, files",
        "# androguard/core/api_specific_resources/aosp_permissions/permissions_<API>.json, which",
        "# androguard generates from frameworks/base core/res/AndroidManifest.xml per release).",
        "# Regenerate: python3 tools/gen_permissions.py snapshot <that directory>.",
        "# levels: API levels the snapshot has; a permission's 'present' ranges run over these",
        "# levels only (levels absent from the snapshot are unknown, not absent).",
        "# protection: raw android:protectionLevel at the first level and wherever it changes.",
        "# group/label_ptr/label_en: latest non-empty value (group excludes ...UNDEFINED).",
        "levels\t" + " ".join(str(l) for l in lv),
        "#name\tpresent\tprotection\tgroup\tlabel_ptr\tlabel_en",
    ]
    for n in names:
        pres = [l for l in lv if n in data[l]]
        hist = []
        last = None
        grp = ptr = lab = ""
        for l in pres:
            e = data[l][n]
            pl = e.get("protectionLevel", "")
            if pl != last:
                hist.append(f"{l}:{pl}")
                last = pl
            g = e.get("permissionGroup", "")
            if g and not g.endswith(".UNDEFINED"):
                grp = g
            if e.get("label_ptr"):
                ptr = e["label_ptr"]
            if e.get("label"):
                lab = " ".join(e["label"].split())
        lines.append("\t".join([n, ranges(pres), ";".join(hist), grp, ptr, lab]))
    with open(SNAP, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"{SNAP}: {len(names)} permissions, levels {lv[0]}..{lv[-1]}")


# ---------------------------------------------------------------------------------------
# curated facts
# ---------------------------------------------------------------------------------------

# Short name (android.permission.*) or full name -> curated fields.
#   group: runtime permission group as the Android permission UI shows it (GROUPS in
#          src/permissions.rs); dt: data types (src/datatypes.rs ids); zh/en: display names
#          as privacy policies write them ("|"-separated); dep: API level deprecated;
#          noeff: target SDK from which requesting it has no effect (behaviour change);
#          added: documented API level added (Manifest.permission reference) where the
#          snapshot has a gap before its first level; priv: privacy relevant; note: text.
C = {}


def c(name, **kw):
    C[name if "." in name else P + name] = kw


# location
c("ACCESS_FINE_LOCATION", group="LOCATION", added=1, dt="precise_location|cell_info", priv=1,
  zh="位置信息|精确位置|定位|定位权限|GPS|精良位置(GPS)", en="Location|Precise location")
c("ACCESS_COARSE_LOCATION", group="LOCATION", added=1, dt="approx_location|cell_info", priv=1,
  zh="位置信息|粗略位置|大致位置|定位", en="Location|Approximate location")
c("ACCESS_BACKGROUND_LOCATION", group="LOCATION", dt="precise_location|approx_location", priv=1,
  zh="后台定位|后台位置|后台访问地理位置", en="Background location")
c("ACCESS_MEDIA_LOCATION", group="STORAGE", dt="precise_location", priv=1,
  zh="媒体位置|照片位置信息", en="Media location")
c("ACCESS_LOCATION_EXTRA_COMMANDS", added=1, en="Extra location commands")
c("ACCESS_MOCK_LOCATION", added=1, en="Mock location")
# camera / microphone
c("CAMERA", group="CAMERA", added=1, dt="camera", priv=1,
  zh="相机|摄像头|使用摄像头|拍照|扫一扫", en="Camera")
c("RECORD_AUDIO", group="MICROPHONE", added=1, dt="audio", priv=1,
  zh="麦克风|录音|使用麦克风录制音频", en="Microphone|Record audio")
# storage
c("READ_EXTERNAL_STORAGE", group="STORAGE", noeff=33, dt="files|photos_videos", priv=1,
  zh="存储|读写存储|读取外部存储|读写外部存储|内存卡|读取手机储存空间SD卡内数据",
  en="Storage|Read external storage",
  note="No effect for apps targeting API 33+; media access moved to READ_MEDIA_IMAGES/VIDEO/AUDIO.")
c("WRITE_EXTERNAL_STORAGE", group="STORAGE", added=4, noeff=30, dt="files|photos_videos", priv=1,
  zh="存储|读写存储|写入外部存储|读写外部存储", en="Storage|Write external storage",
  note="Scoped storage: grants no write access for apps targeting API 30+ (API 29 with legacy opt-out); not needed for app-specific directories since API 19.")
c("READ_MEDIA_IMAGES", group="READ_MEDIA_VISUAL", dt="photos_videos", priv=1,
  zh="相册|照片|读取图片|照片和视频", en="Photos|Photos and videos")
c("READ_MEDIA_VIDEO", group="READ_MEDIA_VISUAL", dt="photos_videos", priv=1,
  zh="相册|读取视频|照片和视频", en="Videos|Photos and videos")
c("READ_MEDIA_AUDIO", group="READ_MEDIA_AURAL", dt="audio", priv=1,
  zh="读取音频|音乐和音频", en="Music and audio")
c("READ_MEDIA_VISUAL_USER_SELECTED", group="READ_MEDIA_VISUAL", dt="photos_videos", priv=1,
  zh="所选照片和视频|照片和视频", en="Selected photos and videos")
c("MANAGE_EXTERNAL_STORAGE", dt="files", priv=1, zh="所有文件访问|管理所有文件",
  en="All files access")
c("WRITE_MEDIA_STORAGE", dt="files", en="Write media storage")
# phone
c("READ_PHONE_STATE", group="PHONE", added=1,
  dt="imei|meid|imsi|iccid|device_serial|phone_number", priv=1,
  zh="电话|读取电话状态|读取手机状态|读取手机状态和身份|通话（电话）|设备信息",
  en="Phone|Read phone state",
  note="Device identifiers (IMEI/MEID, IMSI, ICCID, serial) need READ_PRIVILEGED_PHONE_STATE from API 29; the phone number also via READ_PHONE_NUMBERS from API 26.")
c("READ_PHONE_NUMBERS", group="PHONE", dt="phone_number", priv=1,
  zh="读取电话号码|读取手机号码|本机号码", en="Read phone numbers")
c("READ_BASIC_PHONE_STATE", en="Read basic phone state")
c("CALL_PHONE", group="PHONE", added=1, priv=1, zh="拨打电话|直接拨打电话", en="Make phone calls")
c("ANSWER_PHONE_CALLS", group="PHONE", priv=1, zh="接听电话|接听来电", en="Answer phone calls")
c("com.android.voicemail.permission.ADD_VOICEMAIL", group="PHONE", priv=1,
  zh="添加语音邮件", en="Add voicemail")
c("USE_SIP", group="PHONE", priv=1, zh="使用SIP|拨打/接听SIP电话", en="Use SIP")
c("ACCEPT_HANDOVER", group="PHONE", priv=1, zh="继续进行来自其他应用的通话",
  en="Accept handover", zh_label_key="permlab_acceptHandover")
c("PROCESS_OUTGOING_CALLS", group="CALL_LOG", added=1, dep=29, dt="call_log", priv=1,
  zh="拨出电话|外拨电话", en="Process outgoing calls")
c("READ_CALL_LOG", group="CALL_LOG", dt="call_log", priv=1, zh="通话记录|读取通话记录",
  en="Call log|Read call log")
c("WRITE_CALL_LOG", group="CALL_LOG", dt="call_log", priv=1, zh="通话记录|写入通话记录",
  en="Write call log")
c("READ_PRIVILEGED_PHONE_STATE", dt="imei|meid|imsi|iccid|device_serial", priv=1,
  zh="读取特权电话状态", en="Read privileged phone state")
c("READ_PRECISE_PHONE_STATE", dt="cell_info", priv=1, zh="读取精确的电话状态",
  en="Read precise phone state")
# contacts / accounts
c("READ_CONTACTS", group="CONTACTS", added=1, dt="contacts", priv=1,
  zh="通讯录|联系人|读取联系人", en="Contacts|Read contacts")
c("WRITE_CONTACTS", group="CONTACTS", added=1, dt="contacts", priv=1,
  zh="通讯录|写入联系人|修改通讯录", en="Write contacts")
c("GET_ACCOUNTS", group="CONTACTS", added=1, dt="device_accounts", priv=1,
  zh="账户信息|获取账户|读取账户|获取设备上的帐号列表", en="Accounts|Get accounts")
c("GET_ACCOUNTS_PRIVILEGED", dt="device_accounts", priv=1, zh="读取设备账号（特权）",
  en="Get accounts privileged")
c("READ_PROFILE", dep=23, dt="contacts", priv=1, zh="读取个人资料", en="Read profile")
c("WRITE_PROFILE", dep=23, dt="contacts", en="Write profile")
c("READ_SOCIAL_STREAM", dep=23, en="Read social stream")
c("WRITE_SOCIAL_STREAM", dep=23, en="Write social stream")
c("READ_OWNER_DATA", dt="contacts", priv=1, zh="读取机主资料", en="Read owner data")
c("WRITE_OWNER_DATA", dt="contacts", priv=1, zh="写入机主资料", en="Write owner data")
c("AUTHENTICATE_ACCOUNTS", dep=23, en="Authenticate accounts")
c("MANAGE_ACCOUNTS", dep=23, en="Manage accounts")
c("USE_CREDENTIALS", dep=23, en="Use credentials")
# calendar
c("READ_CALENDAR", group="CALENDAR", added=1, dt="calendar", priv=1, zh="日历|读取日历",
  en="Calendar|Read calendar")
c("WRITE_CALENDAR", group="CALENDAR", added=1, dt="calendar", priv=1,
  zh="日历|写入日历|修改日历|添加或修改系统中的日历活动", en="Write calendar")
# sms
c("READ_SMS", group="SMS", added=1, dt="sms", priv=1, zh="短信|读取短信", en="SMS|Read SMS")
c("SEND_SMS", group="SMS", added=1, dt="sms", priv=1, zh="短信|发送短信", en="Send SMS")
c("RECEIVE_SMS", group="SMS", added=1, dt="sms", priv=1, zh="短信|接收短信", en="Receive SMS")
c("RECEIVE_MMS", group="SMS", added=1, dt="sms", priv=1, zh="接收彩信", en="Receive MMS")
c("RECEIVE_WAP_PUSH", group="SMS", added=1, dt="sms", priv=1, zh="接收WAP推送",
  en="Receive WAP push")
c("READ_CELL_BROADCASTS", group="SMS", dt="sms", priv=1, zh="小区广播", en="Read cell broadcasts")
c("WRITE_SMS", added=1, dt="sms", priv=1, zh="写短信|编辑短信", en="Write SMS",
  note="Not usable by third-party apps since API 19 (only the default SMS app writes the provider).")
# sensors / activity
c("BODY_SENSORS", group="SENSORS", added=20, dt="health_sensor", priv=1,
  zh="传感器|身体传感器", en="Body sensors")
c("BODY_SENSORS_BACKGROUND", group="SENSORS", dt="health_sensor", priv=1,
  zh="传感器|后台身体传感器", en="Body sensors in background")
c("HIGH_SAMPLING_RATE_SENSORS", dt="sensors", en="High sampling rate sensors")
c("ACTIVITY_RECOGNITION", group="ACTIVITY_RECOGNITION", dt="fitness", priv=1,
  zh="身体活动|健身运动|运动健身|获取步数", en="Physical activity")
# XR (API 36); groups inferred from the zh-CN permgroup descriptions of the XR groups
for n, g in (("EYE_TRACKING_COARSE", "XR_TRACKING"), ("FACE_TRACKING", "XR_TRACKING"),
             ("HAND_TRACKING", "XR_TRACKING"), ("SCENE_UNDERSTANDING_COARSE", "XR_TRACKING"),
             ("EYE_TRACKING_FINE", "XR_EYE_SENSITIVE"),
             ("HEAD_TRACKING", "XR_TRACKING_SENSITIVE"),
             ("SCENE_UNDERSTANDING_FINE", "XR_TRACKING_SENSITIVE")):
    c(n, group=g, dt="sensors", priv=1)
# nearby devices
c("BLUETOOTH_SCAN", group="NEARBY_DEVICES", dt="nearby_devices", priv=1,
  zh="附近的设备|蓝牙|蓝牙扫描", en="Nearby devices|Bluetooth scan")
c("BLUETOOTH_CONNECT", group="NEARBY_DEVICES", dt="nearby_devices", priv=1,
  zh="附近的设备|蓝牙|蓝牙连接", en="Nearby devices|Bluetooth connect")
c("BLUETOOTH_ADVERTISE", group="NEARBY_DEVICES", dt="nearby_devices", priv=1,
  zh="附近的设备|蓝牙|蓝牙广播", en="Nearby devices")
c("UWB_RANGING", group="NEARBY_DEVICES", dt="nearby_devices", priv=1, zh="超宽带",
  en="UWB ranging")
c("RANGING", group="NEARBY_DEVICES", dt="nearby_devices", priv=1, en="Ranging")
c("NEARBY_WIFI_DEVICES", group="NEARBY_DEVICES", dt="nearby_devices|wifi_info", priv=1,
  zh="附近的WLAN设备|附近的设备", en="Nearby Wi-Fi devices")
c("BLUETOOTH", added=1, noeff=31, dt="mac_address|nearby_devices", priv=1, zh="蓝牙",
  en="Bluetooth", note="Apps targeting API 31+ use BLUETOOTH_SCAN/CONNECT/ADVERTISE instead.")
c("BLUETOOTH_ADMIN", added=1, noeff=31, dt="nearby_devices", priv=1, zh="蓝牙管理",
  en="Bluetooth admin", note="Apps targeting API 31+ use BLUETOOTH_SCAN/CONNECT/ADVERTISE instead.")
c("LOCAL_MAC_ADDRESS", dt="mac_address", priv=1, zh="读取本机MAC地址|MAC地址",
  en="Local MAC address")
# notifications
c("POST_NOTIFICATIONS", group="NOTIFICATIONS", zh="通知|发送通知|通知的运行时权限",
  en="Notifications")
# special access
c("SYSTEM_ALERT_WINDOW", added=1, priv=1, zh="悬浮窗|悬浮窗权限|显示在其他应用上层",
  en="Display over other apps|Overlay")
c("WRITE_SETTINGS", added=1, zh="修改系统设置|写入系统设置", en="Modify system settings")
c("REQUEST_INSTALL_PACKAGES", zh="安装应用|安装未知应用|请求安装应用|安装应用权限|安装其他应用权限|请求安装第三方应用权限",
  en="Install unknown apps")
c("PACKAGE_USAGE_STATS", dt="running_apps|installed_apps", priv=1,
  zh="应用使用情况|使用情况访问", en="Usage access")
c("SCHEDULE_EXACT_ALARM", zh="精确闹钟", en="Exact alarms")
c("USE_EXACT_ALARM", zh="精确闹钟", en="Exact alarms")
c("QUERY_ALL_PACKAGES", dt="installed_apps", priv=1,
  zh="读取应用列表|获取应用列表|应用列表|查询所有应用|读取已安装的应用列表权限",
  en="Query all packages|Installed apps")
c("GET_TASKS", added=1, dep=21, dt="running_apps", priv=1,
  zh="获取任务信息|检索正在运行的应用|获取当前运行的任务信息的权限", en="Retrieve running apps",
  note="Deprecated in API 21: returns only the caller's own tasks.")
c("REAL_GET_TASKS", dt="running_apps", priv=1, en="Real get tasks")
# network
c("ACCESS_WIFI_STATE", added=1, dt="wifi_info|mac_address", priv=1,
  zh="获取WiFi状态|WLAN状态|Wi-Fi状态|WiFi状态|获取WiFi状态权限", en="Wi-Fi state")
c("ACCESS_NETWORK_STATE", added=1, dt="network_info",
  zh="获取网络状态|网络状态|获取网络状态权限", en="Network state")
c("CHANGE_WIFI_STATE", added=1, zh="改变WiFi状态", en="Change Wi-Fi state")
c("CHANGE_NETWORK_STATE", added=1, zh="改变网络状态|改变网络连接状态", en="Change network state")
c("CHANGE_WIFI_MULTICAST_STATE", added=4, zh="WiFi多播", en="Wi-Fi multicast")
c("INTERNET", added=1, zh="网络访问|访问网络|互联网|访问网络权限", en="Internet")
# logs / system
c("READ_LOGS", added=1, dt="crash_logs", priv=1, zh="读取日志|读取日志信息", en="Read logs")
c("VIBRATE", added=1, zh="振动|震动", en="Vibrate")
c("WAKE_LOCK", added=1, zh="唤醒锁|防止休眠|保持唤醒|唤醒锁定权限", en="Wake lock")
c("RECEIVE_BOOT_COMPLETED", added=1, zh="开机启动|开机自启", en="Run at startup")
c("FOREGROUND_SERVICE", zh="前台服务|前台服务权限", en="Foreground service")
c("REQUEST_IGNORE_BATTERY_OPTIMIZATIONS", zh="忽略电池优化", en="Ignore battery optimizations")
c("FLASHLIGHT", added=1, zh="闪光灯", en="Flashlight")
c("MODIFY_AUDIO_SETTINGS", added=1, zh="修改音频设置", en="Modify audio settings")
c("KILL_BACKGROUND_PROCESSES", zh="结束后台进程", en="Kill background processes")
c("RESTART_PACKAGES", added=1, dep=15, en="Restart packages")
c("PERSISTENT_ACTIVITY", added=1, dep=15, en="Persistent activity")
c("SET_PREFERRED_APPLICATIONS", added=1, dep=15, en="Set preferred applications")
c("READ_INPUT_STATE", added=1, dep=16, en="Read input state")
c("BIND_CARRIER_MESSAGING_SERVICE", dep=23, en="Bind carrier messaging service")
c("BIND_CHOOSER_TARGET_SERVICE", dep=30, en="Bind chooser target service")
c("USE_FINGERPRINT", dep=28, zh="指纹", en="Fingerprint")
c("USE_BIOMETRIC", zh="生物识别", en="Biometric")
c("NFC", zh="NFC", en="NFC")
c("TRANSMIT_IR", zh="红外", en="Infrared")
c("SET_WALLPAPER", added=1, zh="设置壁纸", en="Set wallpaper")
c("EXPAND_STATUS_BAR", added=1, zh="展开状态栏", en="Expand status bar")
c("DISABLE_KEYGUARD", added=1, zh="解锁屏幕", en="Disable keyguard")
c("USE_FULL_SCREEN_INTENT", zh="全屏通知", en="Full screen intent")
c("READ_USER_DICTIONARY", dep=23, en="Read user dictionary")
c("WRITE_USER_DICTIONARY", dep=23, en="Write user dictionary")
c("BIND_ACCESSIBILITY_SERVICE", priv=1, zh="无障碍服务|辅助功能", en="Accessibility service")
c("BIND_NOTIFICATION_LISTENER_SERVICE", priv=1, zh="通知使用权", en="Notification access")
c("ACCESS_NOTIFICATIONS", priv=1, en="Access notifications")
c("READ_FRAME_BUFFER", added=1, priv=1, zh="截屏", en="Read frame buffer")
c("com.android.alarm.permission.SET_ALARM", zh="设置闹钟|闹钟", en="Set alarm")
c("com.android.launcher.permission.INSTALL_SHORTCUT", zh="创建桌面快捷方式|快捷方式",
  en="Install shortcut")
c("com.android.launcher.permission.UNINSTALL_SHORTCUT", en="Uninstall shortcut")
for fg in ("LOCATION", "DATA_SYNC", "MEDIA_PLAYBACK", "CAMERA", "MICROPHONE", "SPECIAL_USE",
           "CONNECTED_DEVICE", "HEALTH", "MEDIA_PROJECTION", "PHONE_CALL", "REMOTE_MESSAGING",
           "SYSTEM_EXEMPTED", "FILE_MANAGEMENT", "MEDIA_PROCESSING"):
    c("FOREGROUND_SERVICE_" + fg, en="Foreground service " + fg.lower().replace("_", " "))

# documented in the Manifest.permission reference as added in API 1 or 3 (the snapshot starts
# at API 4)
for n in ("BROADCAST_STICKY", "REORDER_TASKS", "GET_PACKAGE_SIZE", "READ_SYNC_SETTINGS",
          "WRITE_SYNC_SETTINGS", "READ_SYNC_STATS", "BATTERY_STATS", "BROADCAST_PACKAGE_REMOVED",
          "CHANGE_COMPONENT_ENABLED_STATE", "CHANGE_CONFIGURATION", "CLEAR_APP_CACHE",
          "DELETE_CACHE_FILES", "DELETE_PACKAGES", "INSTALL_PACKAGES", "INTERNAL_SYSTEM_WINDOW",
          "MOUNT_UNMOUNT_FILESYSTEMS", "REBOOT", "STATUS_BAR"):
    C.setdefault(P + n, {})["added"] = 1
for n in ("BIND_INPUT_METHOD", "UPDATE_DEVICE_STATS", "WRITE_SECURE_SETTINGS"):
    C.setdefault(P + n, {})["added"] = 3

# Permissions no AOSP core manifest declares but apps request and policies cite.
#   origin: aosp-app (declared by an AOSP app/provider, not frameworks/base core),
#   google (Google Play services / Play Store), vendor (device maker ROM or launcher),
#   undeclared (no known declaration; requesting it grants nothing).
OTHER = [
    # name, origin, protection, added, priv, data types, zh, en, note
    ("com.android.permission.GET_INSTALLED_APPS", "vendor", "dangerous", 0, 1, "installed_apps",
     "读取应用列表|获取应用列表|应用列表|读取已安装应用列表", "Installed apps (Chinese ROM)",
     "Declared by MIUI/HyperOS and other Chinese ROMs, where reading the installed-app list is a runtime-prompted permission; absent from AOSP (there: QUERY_ALL_PACKAGES)."),
    ("com.google.android.gms.permission.AD_ID", "google", "normal", 0, 1, "gaid",
     "广告标识符|广告ID", "Advertising ID",
     "Declared by Google Play services; required to read the advertising ID for apps targeting API 33+."),
    ("com.android.vending.BILLING", "google", "normal", 0, 0, "", "应用内购买", "In-app billing", ""),
    ("com.android.vending.CHECK_LICENSE", "google", "normal", 0, 0, "", "", "Check license", ""),
    ("com.google.android.c2dm.permission.RECEIVE", "google", "normal", 0, 0, "", "",
     "Receive push (C2DM/FCM)", ""),
    ("com.google.android.finsky.permission.BIND_GET_INSTALL_REFERRER_SERVICE", "google",
     "normal", 0, 0, "", "", "Install referrer", ""),
    ("android.permission.ACCESS_DOWNLOAD_MANAGER", "aosp-app", "signature|privileged", 0, 0, "",
     "", "Download manager", "Declared by the AOSP DownloadProvider."),
    ("android.permission.ACCESS_DOWNLOAD_MANAGER_ADVANCED", "aosp-app", "signature|privileged",
     0, 0, "", "", "Download manager advanced", "Declared by the AOSP DownloadProvider."),
    ("android.permission.ACCESS_ALL_DOWNLOADS", "aosp-app", "signature", 0, 0, "", "",
     "Access all downloads", "Declared by the AOSP DownloadProvider."),
    ("android.permission.DOWNLOAD_WITHOUT_NOTIFICATION", "aosp-app", "normal", 0, 0, "", "",
     "Download without notification", "Declared by the AOSP DownloadProvider."),
    ("android.permission.SEND_DOWNLOAD_COMPLETED_INTENTS", "aosp-app", "signature", 0, 0, "",
     "", "Send download completed", "Declared by the AOSP DownloadProvider."),
    ("com.android.launcher.permission.READ_SETTINGS", "aosp-app", "normal", 0, 0, "", "",
     "Launcher read settings", "Declared by the AOSP Launcher."),
    ("com.android.launcher.permission.WRITE_SETTINGS", "aosp-app", "signature", 0, 0, "", "",
     "Launcher write settings", "Declared by the AOSP Launcher."),
    ("com.huawei.android.launcher.permission.CHANGE_BADGE", "vendor", "normal", 0, 0, "", "",
     "App badge (Huawei)", "Huawei launcher badge count."),
    ("com.sec.android.provider.badge.permission.READ", "vendor", "normal", 0, 0, "", "",
     "App badge read (Samsung)", "Samsung launcher badge provider."),
    ("com.sec.android.provider.badge.permission.WRITE", "vendor", "normal", 0, 0, "", "",
     "App badge write (Samsung)", "Samsung launcher badge provider."),
    ("com.sonyericsson.home.permission.BROADCAST_BADGE", "vendor", "normal", 0, 0, "", "",
     "App badge (Sony)", "Sony launcher badge."),
    ("com.htc.launcher.permission.READ_SETTINGS", "vendor", "normal", 0, 0, "", "",
     "Launcher settings (HTC)", "HTC launcher."),
    ("android.permission.READ_APP_BADGE", "vendor", "normal", 0, 0, "", "", "Read app badge",
     "Not declared by AOSP; launcher badge permission some vendors honour."),
    ("android.permission.READ_SETTINGS", "undeclared", "normal", 0, 0, "", "",
     "Read settings (not a platform permission)",
     "No AOSP manifest declares it; requesting it grants nothing."),
    ("android.permission.BROADCAST_PACKAGE_ADDED", "undeclared", "normal", 0, 0, "", "", "Broadcast package added (not a permission)",
     "Protected-broadcast action name, not a declared permission; requesting it grants nothing."),
    ("android.permission.BROADCAST_PACKAGE_CHANGED", "undeclared", "normal", 0, 0, "", "", "Broadcast package changed (not a permission)",
     "Protected-broadcast action name, not a declared permission; requesting it grants nothing."),
    ("android.permission.BROADCAST_PACKAGE_INSTALL", "undeclared", "normal", 0, 0, "", "", "Broadcast package install (not a permission)",
     "Protected-broadcast action name, not a declared permission; requesting it grants nothing."),
    ("android.permission.BROADCAST_PACKAGE_REPLACED", "undeclared", "normal", 0, 0, "", "", "Broadcast package replaced (not a permission)",
     "Protected-broadcast action name, not a declared permission; requesting it grants nothing."),
    ("android.permission.RECEIVE_USER_PRESENT", "undeclared", "normal", 0, 0, "", "", "Receive user present (not a permission)",
     "No AOSP manifest declares it (ACTION_USER_PRESENT needs no permission); requesting it grants nothing."),
    ("android.permission.RECORD_VIDEO", "undeclared", "normal", 0, 0, "", "",
     "Record video (not a platform permission)",
     "No AOSP manifest declares it (video capture needs CAMERA); seen in a policy table."),
]

# Removed (no longer in the core manifest) but documented 'added' where the snapshot has a
# gap before its first level: none beyond the C table.

# ---------------------------------------------------------------------------------------
# step 2: build the table
# ---------------------------------------------------------------------------------------

BASES = ("normal", "dangerous", "signature", "internal")


def norm_protection(raw):
    """android:protectionLevel text -> base first, then flags (AOSP order, deduplicated).
    signatureOrSystem = signature|privileged; 'system' was renamed 'privileged';
    an empty level defaults to normal."""
    toks = []
    for t in raw.split("|"):
        t = t.strip()
        if not t:
            continue
        if t == "signatureOrSystem":
            toks += ["signature", "privileged"]
        elif t == "system":
            toks.append("privileged")
        else:
            toks.append(t)
    base = next((t for t in toks if t in BASES), "normal")
    flags = []
    for t in toks:
        if t not in BASES and t not in flags:
            flags.append(t)
    return "|".join([base] + flags)


def read_snapshot():
    levels = []
    rows = []
    with open(SNAP, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            f = line.split("\t")
            if f[0] == "levels":
                levels = [int(x) for x in f[1].split()]
                continue
            name, present, prot, grp, ptr, lab = (f + [""] * 6)[:6]
            pres = []
            for part in present.split(","):
                a, _, b = part.partition("-")
                lo, hi = int(a), int(b or a)
                pres += [l for l in levels if lo <= l <= hi]
            hist = [(int(h.split(":", 1)[0]), h.split(":", 1)[1]) for h in prot.split(";")]
            rows.append(dict(name=name, pres=pres, hist=hist, grp=grp, ptr=ptr, lab=lab))
    return levels, rows


def read_zh(path=ZH):
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            k, _, v = line.partition("\t")
            out[k] = v
    return out


def humanize(short):
    s = short.replace("_", " ").lower()
    return s[:1].upper() + s[1:]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arr(xs):
    return "[" + ", ".join(q(x) for x in xs) + "]"


def split(s):
    return [x for x in (s or "").split("|") if x]


def build():
    levels, rows = read_snapshot()
    zh = read_zh()
    # older AOSP labels only for keys the current strings no longer carry
    for k, v in read_zh(ZH_LEGACY).items():
        zh.setdefault(k, v)
    latest = levels[-1]
    out_rows = []
    seen = set()
    for r in rows:
        name = r["name"]
        seen.add(name)
        cur = C.get(name, {})
        pres = r["pres"]
        first, last = pres[0], pres[-1]
        prev = [l for l in levels if l < first]
        gap_lo = (prev[-1] + 1) if prev else 1
        row = {"name": name, "origin": "aosp"}
        row["protection"] = norm_protection(r["hist"][-1][1])
        # base-level changes over time (e.g. install-time "dangerous" before API 23)
        changes = []
        for lvl, raw in r["hist"]:
            full = norm_protection(raw)
            if not changes or changes[-1][1].split("|")[0] != full.split("|")[0]:
                changes.append((lvl, full))
        if len(changes) > 1:
            row["protection_history"] = [f"{l}:{f}" for l, f in changes]
        documented = cur.get("added")
        if gap_lo < first:
            if documented and gap_lo <= documented <= first:
                row["added"] = documented
            else:
                row["added"] = first
                row["added_min"] = gap_lo
        else:
            row["added"] = first
        if cur.get("dep"):
            row["deprecated"] = cur["dep"]
        if cur.get("noeff"):
            row["no_effect_from"] = cur["noeff"]
        if last != latest:
            nxt = [l for l in levels if l > last][0]
            row["removed"] = nxt
            if nxt > last + 1:
                row["removed_min"] = last + 1
        if cur.get("group"):
            row["group"] = cur["group"]
        if r["grp"]:
            row["aosp_group"] = r["grp"]
        short = name[len(P):] if name.startswith(P) else name.rsplit(".", 1)[-1]
        en_names = split(cur.get("en"))
        aosp_en = r["lab"][:1].upper() + r["lab"][1:] if r["lab"] else ""
        row["label_en"] = en_names[0] if en_names else (aosp_en or humanize(short))
        key = r["ptr"] or cur.get("zh_label_key", "")
        if key and key in zh:
            row["label_zh"] = zh[key]
            row["label_zh_key"] = key
        row["names_zh"] = split(cur.get("zh"))
        row["data_types"] = split(cur.get("dt"))
        base = row["protection"].split("|")[0]
        row["privacy_relevant"] = bool(cur.get("priv")) or base == "dangerous"
        # names_en feed the policy reader's vocabulary: curated names, plus the AOSP English
        # label for privacy-relevant permissions only (generic labels of system permissions
        # would match ordinary policy prose).
        names_en = list(en_names)
        if row["privacy_relevant"] and aosp_en and aosp_en not in names_en:
            names_en.append(aosp_en)
        row["names_en"] = names_en
        if cur.get("note"):
            row["note"] = cur["note"]
        out_rows.append(row)
    missing = [n for n in C if n not in seen]
    if missing:
        sys.exit(f"curated names absent from the AOSP snapshot: {missing}")
    for (name, origin, prot, added, priv, dt, zhn, en, note) in OTHER:
        if name in seen:
            sys.exit(f"{name} is in the AOSP snapshot; curate it in C instead")
        row = {"name": name, "origin": origin, "protection": prot}
        if added:
            row["added"] = added
        row["label_en"] = en
        row["names_zh"] = split(zhn)
        row["names_en"] = [en]
        row["data_types"] = split(dt)
        row["privacy_relevant"] = bool(priv) or prot == "dangerous"
        if note:
            row["note"] = note
        out_rows.append(row)
    # privacy-relevant first (stable), then the rest by name, for a readable file
    out_rows.sort(key=lambda r: (not r["privacy_relevant"], r["origin"] != "aosp", r["name"]))
    lines = ["# apkaudit Android permission table. Generated by tools/gen_permissions.py from",
             "# tools/permission-sources/ (AOSP per-API-level permission lists, AOSP zh-CN labels)",
             "# and curated policy names; schema and sources: docs/permissions.md. Do not edit by hand.",
             ""]
    order = ["name", "origin", "protection", "protection_history", "added", "added_min", "deprecated", "removed",
             "removed_min", "no_effect_from", "group", "aosp_group", "label_en", "label_zh", "label_zh_key",
             "names_zh", "names_en", "data_types", "privacy_relevant", "note"]
    for r in out_rows:
        lines.append("[[permission]]")
        for k in order:
            if k not in r:
                continue
            v = r[k]
            if isinstance(v, bool):
                lines.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, int):
                lines.append(f"{k} = {v}")
            elif isinstance(v, list):
                if v:
                    lines.append(f"{k} = {arr(v)}")
            else:
                lines.append(f"{k} = {q(v)}")
        lines.append("")
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    n = len(out_rows)
    dang = sum(1 for r in out_rows if r["protection"].split("|")[0] == "dangerous")
    zhl = sum(1 for r in out_rows if r.get("label_zh"))
    print(f"{OUT}: {n} permissions, {dang} dangerous, {zhl} with AOSP zh label")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "snapshot":
        snapshot(sys.argv[2])
    elif len(sys.argv) == 1:
        build()
    else:
        sys.exit(__doc__)
