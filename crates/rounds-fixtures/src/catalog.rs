//! Fixed text lists the generator composes tickets from.
//!
//! Every string here is part of the fixture output: editing, adding, removing or reordering
//! an entry changes the data every seed produces (the golden test in `tests.rs` will say so).
//! Placeholders in `{braces}` are listed in `generator::Ctx::write`.
//!
//! A [`Scenario`] is an area (printers, HIS, network...) with its department kinds, codes and
//! shared sentences; each of its [`Issue`]s is one concrete symptom whose title, opening
//! sentence, notes and fixes belong together.

use crate::specs::{
    K_ALL, K_CLIN, K_EQUIP, K_FIN, K_IT, K_LAB, K_OFFICE, K_OPD, K_PHARM, K_REPRO, K_US, K_WARD,
};

/// Channel codes, in the order of [`Scenario::channels`] weights.
pub(crate) const CHANNELS: [&str; 6] = ["desktop", "phone", "onsite", "wechat", "email", "remote"];
const CH_DEFAULT: [u16; 6] = [40, 22, 10, 15, 7, 6];
const CH_OFFSITE: [u16; 6] = [0, 30, 0, 40, 20, 10];
const CH_INSPECTION: [u16; 6] = [20, 5, 60, 5, 0, 10];
const CH_REQUEST: [u16; 6] = [50, 10, 5, 15, 20, 0];

const ACKS_REQUEST: &[&str] = &[
    "已收到申请，正在核对审批手续。",
    "收到，已与科室联系确认细节。",
    "已受理，预计{n}个工作日内完成。",
];
const ACKS_INSPECTION: &[&str] = &["已登记巡检问题，安排处理。", "已记录，纳入本周维护计划。"];

/// One area of problems, with the words people use to report and handle them.
pub(crate) struct Scenario {
    /// Relative frequency.
    pub weight: u16,
    /// Department kinds that report it (bit mask of `specs::K_*`).
    pub kinds: u16,
    /// Relative weights of severity 1, 2, 3, 4, unless the issue sets its own.
    pub sev: [u16; 4],
    pub work: &'static str,
    /// Picked uniformly.
    pub maint: &'static [&'static str],
    /// Weights in [`CHANNELS`] order.
    pub channels: [u16; 6],
    /// Location templates that replace the department's own ones, if not empty.
    pub locs: &'static [&'static str],
    /// Values of `{code}` (error codes, item names).
    pub codes: &'static [&'static str],
    /// Values of `{sys}` (system names).
    pub systems: &'static [&'static str],
    /// Picked uniformly.
    pub issues: &'static [Issue],
    /// Further Chinese description sentences that fit every issue: 0 to 3, in this order.
    pub more_zh: &'static [&'static str],
    pub more_en: &'static [&'static str],
    /// Engineer acknowledgements replacing the generic ones, if not empty.
    pub acks: &'static [&'static str],
    /// Public engineer replies while working, fitting every issue.
    pub replies: &'static [&'static str],
    /// Internal engineer notes fitting every issue.
    pub notes: &'static [&'static str],
    /// Public resolution messages fitting every issue.
    pub fixes: &'static [&'static str],
}

/// One concrete symptom.
pub(crate) struct Issue {
    /// Severity weights; all zero means the scenario's.
    pub sev: [u16; 4],
    pub titles_zh: &'static [&'static str],
    pub titles_en: &'static [&'static str],
    /// Opening sentence of the description.
    pub lead_zh: &'static [&'static str],
    pub lead_en: &'static [&'static str],
    /// Internal engineer notes specific to this symptom.
    pub notes: &'static [&'static str],
    /// Public resolution messages specific to this symptom.
    pub fixes: &'static [&'static str],
}

/// An issue: titles, English titles, leads, English leads, notes, fixes.
const fn is(
    titles_zh: &'static [&'static str],
    titles_en: &'static [&'static str],
    lead_zh: &'static [&'static str],
    lead_en: &'static [&'static str],
    notes: &'static [&'static str],
    fixes: &'static [&'static str],
) -> Issue {
    Issue {
        sev: [0; 4],
        titles_zh,
        titles_en,
        lead_zh,
        lead_en,
        notes,
        fixes,
    }
}

impl Issue {
    const fn sev(mut self, sev: [u16; 4]) -> Issue {
        self.sev = sev;
        self
    }
}

const BASE: Scenario = Scenario {
    weight: 10,
    kinds: K_ALL,
    sev: [0, 5, 50, 45],
    work: "daily_ops",
    maint: &["corrective"],
    channels: CH_DEFAULT,
    locs: &[],
    codes: &[],
    systems: &[],
    issues: &[],
    more_zh: &[],
    more_en: &[],
    acks: &[],
    replies: &[],
    notes: &[],
    fixes: &[],
};

pub(crate) static SCENARIOS: &[Scenario] = &[
    // Wristband and label printers on wards and clinics.
    Scenario {
        weight: 40,
        kinds: K_CLIN | K_LAB,
        sev: [0, 8, 62, 30],
        issues: &[
            is(
                &[
                    "{place}打印机卡纸，无法打印腕带",
                    "{place}腕带打印机频繁卡纸",
                ],
                &["Wristband printer jammed at {place}"],
                &[
                    "{time}起{place}的{lprinter}连续卡纸，清理后打印两张又卡住，入院患者腕带打不出来。",
                ],
                &[
                    "The {lprinter} at {place} keeps jamming since {time}; we cannot print patient wristbands.",
                ],
                &[
                    "打印头附近有腕带纸碎屑，已清理。",
                    "胶辊磨损导致走纸歪斜，已申请更换胶辊。",
                ],
                &["已清理卡纸并重新校准标签纸，测试打印{n}张正常。"],
            ),
            is(
                &[
                    "{place}腕带打印机打印空白",
                    "{place}腕带字迹模糊，扫码枪读不出",
                ],
                &["{lprinter} prints blank wristbands"],
                &["{place}的腕带打印机打出来是空白的或字很淡，碳带看着还有。"],
                &["Wristbands from the {lprinter} come out blank or too faint to scan."],
                &[
                    "打印头有积碳，已用酒精棉清洁，建议设备科报备更换打印头。",
                    "打印浓度被调到了最低，已恢复默认值。",
                ],
                &[
                    "已清洁打印头并调整打印浓度，腕带清晰可扫。",
                    "已更换打印头，腕带打印恢复正常。",
                ],
            ),
            is(
                &["{place}条码打印机标签错位", "{place}标本条码打印偏移"],
                &[],
                &["条码打印机打出的标签整体偏移约{n}毫米，PDA扫码失败。"],
                &[],
                &[
                    "标签纸传感器位置不对，已调整并校准。",
                    "驱动里纸张尺寸被改成了默认值，已按标签规格重新设置。",
                ],
                &["已重新校准标签，打印位置正常。"],
            ),
            is(
                &["{dept}条码打印机脱机", "{place}的{lprinter}一直闪红灯"],
                &[
                    "Label printer offline in room {room}",
                    "腕带 printer offline at {place}",
                ],
                &["{place}的{lprinter}指示灯红灯闪烁，电脑上显示“脱机”。"],
                &["The label printer shows offline and its status light blinks red."],
                &[
                    "USB线接触不良，已更换。",
                    "驱动版本过旧，已重装官方驱动。",
                    "已远程重启打印服务，队列恢复。",
                ],
                &["已重装驱动并设置为默认打印机，现可正常打印。"],
            ),
        ],
        more_zh: &[
            "已经重新插拔过USB线，也重启了电脑，没有用。",
            "已更换一卷新的腕带纸，问题依旧。",
            "目前先手写腕带临时代替，今天还有{count}名患者待办理入院。",
            "请尽快派人来看一下，护士长在催。",
        ],
        more_en: &[
            "We are writing wristbands by hand for now; {count} admissions are waiting.",
            "Replacing the label roll did not help.",
        ],
        replies: &[
            "请先关闭打印机电源，打开上盖检查是否有残留纸屑，再重新装纸并长按走纸键校准。",
            "工程师已出发，约{min}分钟到场。",
        ],
        notes: &["已在设备科登记该打印机的维修记录。"],
        fixes: &["已处理，请再打印一张腕带确认。"],
        ..BASE
    },
    // Office printers.
    Scenario {
        weight: 45,
        sev: [0, 2, 48, 50],
        codes: &[
            "13.A1.D2 卡纸",
            "10.00.33 耗材错误",
            "49.4C02",
            "E0-03",
            "纸盒2缺纸",
        ],
        issues: &[
            is(
                &["{place}打印机卡纸", "{place}打印机提示“{code}”"],
                &["Printer jam on floor {floor}", "Printer error {code}"],
                &["{place}的{printer}显示“{code}”，打印队列里堆了{n}个任务。"],
                &["The {printer} in room {room} shows {code} and nothing prints."],
                &[
                    "搓纸轮老化打滑，已清洁，建议更换。",
                    "定影组件老化，已提交设备科备件申请。",
                ],
                &["已取出卡纸并清理搓纸轮，打印正常。"],
            ),
            is(
                &[
                    "{place}打印机脱机，无法打印",
                    "{dept}共享打印机打印任务卡住",
                ],
                &[
                    "Printer offline in room {room}",
                    "Shared printer queue stuck at {place}",
                ],
                &["{time}开始打印机打不了，点打印没有任何反应，队列里显示{n}个任务。"],
                &["Print jobs stay in the queue since {time}."],
                &[
                    "打印服务器上该队列驱动损坏，已删除重建。",
                    "打印机IP被DHCP改变，已设为静态地址{ip}。",
                ],
                &["已重新添加网络打印机，测试打印正常。"],
            ),
            is(
                &["{place}打印机打印有黑道", "{place}打印出来字迹发灰"],
                &[],
                &["打印出来的纸上有一道竖的黑线，影响单据识别。"],
                &[],
                &["硒鼓感光鼓划伤，已更换硒鼓。"],
                &["已更换硒鼓并打印测试页，正常。"],
            ),
            is(
                &["{place}打印出来全是乱码"],
                &["Printer prints garbage characters"],
                &["打印出来是乱码，只有第一页正常。"],
                &["Printouts are garbled after the first page."],
                &["电脑上装错了打印机型号的驱动，已更换为正确驱动。"],
                &["已重装驱动，打印正常。"],
            ),
            is(
                &["{dept}新电脑需要安装打印机"],
                &["Please set up the printer on a new PC at {place}"],
                &["{dept}新领了一台电脑，需要连上{place}的{printer}。"],
                &["We got a new PC and need it connected to the {printer}."],
                &["已安装驱动并添加到打印服务器。"],
                &["打印机已安装，测试页打印正常。"],
            ),
        ],
        more_zh: &[
            "重启电脑和打印机后仍然不行。",
            "打印机是{printer}，资产编号{asset}。",
            "今天下午要交材料，麻烦尽快。",
        ],
        more_en: &[
            "Restarting the PC and the printer did not help.",
            "Asset number {asset}.",
        ],
        replies: &["请确认打印机电源已打开、网线已插好，并把面板显示的内容拍照发给我们。"],
        notes: &["已远程重启打印服务。"],
        ..BASE
    },
    // Forgotten passwords and locked accounts.
    Scenario {
        weight: 45,
        sev: [0, 3, 42, 55],
        systems: &[
            "HIS",
            "电子病历",
            "物资管理系统",
            "财务系统",
            "人事系统",
            "OA",
            "LIS",
            "PACS",
        ],
        issues: &[
            is(
                &[
                    "{sys}登录提示密码错误",
                    "工号{staff}登录{sys}提示“用户名或密码错误”",
                ],
                &["Cannot log in to {sys}: wrong password"],
                &[
                    "工号{staff}，今天{time}登录{sys}时提示密码错误。",
                    "本周刚按要求修改过密码，修改后就登不上{sys}了。",
                ],
                &["Staff ID {staff}: {sys} says the password is wrong since {time}."],
                &["用户在两台电脑上保存了旧密码导致反复校验失败，已指导清除凭据。"],
                &["密码已重置，已告知初始密码，请首次登录后修改。"],
            ),
            is(
                &["{sys}账号被锁定，无法登录", "工号{staff}的{sys}账号被锁"],
                &["{sys} account {staff} locked"],
                &["连续输错{n}次密码后{sys}账号被锁定了，工号{staff}。"],
                &["My {sys} account {staff} is locked after {n} wrong passwords."],
                &["账号因连续{n}次错误被锁定，已在统一身份平台解锁。"],
                &["账号已解锁，请重新登录。"],
            ),
            is(
                &["忘记{sys}密码，申请重置"],
                &["Password reset for {sys} account {staff}"],
                &["休假回来{sys}的密码忘记了，麻烦帮忙重置，工号{staff}。"],
                &["I forgot my {sys} password after leave, please reset it."],
                &["按安全规定，已电话回拨核实本人身份后才重置。"],
                &["密码已重置，已告知初始密码，请首次登录后修改。"],
            ),
            is(
                &["{sys}提示密码已过期，改不了新密码"],
                &[],
                &["登录{sys}提示密码已过期，修改新密码时一直提示不符合规则。"],
                &[],
                &[
                    "该账号密码已过期（90天策略），新密码需含字母和数字且不与近5次重复，已电话指导。",
                ],
                &["已指导修改成功，可以正常登录。"],
            ),
        ],
        more_zh: &[
            "确认键盘大小写没有开，其他同事的账号可以正常登录。",
            "正在出诊，病人在等，请尽快帮忙处理。",
            "我的工号是{staff}。",
        ],
        more_en: &["Caps Lock is off and colleagues can log in fine."],
        replies: &[
            "请核实身份：请告知姓名和所在科室，我们将按登记电话回拨确认。",
            "已为工号{staff}重置为初始密码，请登录后立即修改，新密码需至少8位并包含字母和数字。",
        ],
        notes: &["已电话回拨核实身份。"],
        ..BASE
    },
    // Unified identity / single sign-on.
    Scenario {
        weight: 18,
        sev: [2, 12, 60, 26],
        work: "bug_fix",
        codes: &["AUTH-401 令牌失效", "invalid_grant", "HTTP 502", "会话超时"],
        issues: &[
            is(
                &[
                    "统一身份认证平台登录后跳转白屏",
                    "单点登录无法进入物资管理系统",
                ],
                &["SSO login leads to a blank page"],
                &["从统一门户点击进入资源管理平台后一直转圈，约{min}秒后提示“{code}”。"],
                &["After logging in through the portal the page returns {code} since {time}."],
                &[
                    "子系统回调地址配置错误，已修正并通知厂商。",
                    "认证服务会话缓存满，已扩容并重启。",
                ],
                &["认证服务已恢复，请关闭浏览器后重新登录。"],
            ),
            is(
                &[
                    "{place}多台电脑统一认证登录超时",
                    "统一门户登录后反复跳回登录页",
                ],
                &["SSO login loops back to the login page"],
                &["{time}开始登录统一认证平台后又跳回登录页，{dept}有{n}台电脑都这样。"],
                &["Logging in bounces back to the login page on {n} PCs."],
                &["认证服务器时间与NTP偏差超过5分钟导致令牌校验失败，已同步时间。"],
                &["已修正服务器时间，登录恢复正常。"],
            ),
            is(
                &["扫码登录提示“{code}”", "企业微信扫码登录统一认证失败"],
                &["Single sign-on QR login returns {code}"],
                &["用企业微信扫码登录统一认证平台，提示“{code}”。"],
                &["QR-code login to the identity platform fails with {code}."],
                &["网关SSL证书到期，已续签替换并重载nginx。"],
                &["证书已更新，扫码登录恢复。"],
            ),
        ],
        more_zh: &[
            "清除浏览器缓存后仍然一样，换谷歌浏览器也不行。",
            "直接输入子系统地址用本地账号可以登录。",
        ],
        more_en: &["Clearing the browser cache did not help."],
        notes: &["已在统一认证平台后台查看登录日志。"],
        ..BASE
    },
    // HIS errors and slowness.
    Scenario {
        weight: 40,
        kinds: K_CLIN | K_PHARM | K_FIN | K_LAB | K_US,
        sev: [0, 18, 64, 18],
        work: "bug_fix",
        codes: &[
            "ORA-12170: TNS:Connect timeout",
            "ORA-00060: deadlock detected",
            "ORA-04031",
            "ORA-01555",
            "对象引用未设置到对象的实例",
        ],
        issues: &[
            is(
                &["HIS 报错 {code}", "HIS开医嘱保存时报错"],
                &["HIS error {code} when saving orders"],
                &["{time}左右在{place}开医嘱，点击保存时弹出“{code}”。"],
                &["Saving orders in HIS at {place} fails with {code} since {time}."],
                &["数据库会话数接近上限，发现有长事务锁表，已与DBA确认后终止会话。"],
                &["已处理，请重新登录HIS后再试。"],
            ),
            is(
                &[
                    "{place}HIS很卡，操作要等{n}秒以上",
                    "{dept}HIS查询患者信息超时",
                ],
                &["HIS very slow at {place}"],
                &["整个{dept}的HIS都很卡，每个操作要等{n}秒以上。"],
                &["Every HIS screen takes more than {n} seconds to open."],
                &[
                    "应用服务器{ip}内存占用95%，已重启中间件，日志已提交厂商分析。",
                    "客户端tnsnames.ora指向旧的数据库地址，已修正。",
                ],
                &["已优化并重启应用服务，操作速度恢复正常。"],
            ),
            is(
                &["门诊医生站频繁闪退", "HIS打印处方时闪退"],
                &["HIS client crashes when printing prescriptions"],
                &["门诊医生站一打印处方就闪退，今天已经闪退{n}次。"],
                &["The HIS client crashed {n} times today when printing prescriptions."],
                &["该版本客户端存在已知缺陷，厂商补丁已发布，已更新客户端。"],
                &["已更新客户端，打印不再闪退。"],
            ),
            is(
                &["医嘱已开但药房看不到", "HIS医嘱未传到药房"],
                &[],
                &["患者{pid}的医嘱已经开了，但是药房看不到。"],
                &[],
                &["医嘱发送消息积压，已重发。"],
                &["医嘱已重新发送，药房已能看到。"],
            ),
            is(
                &["HIS收费结算时提示“{code}”"],
                &[],
                &["收费窗口结算时提示“{code}”，患者{pid}无法缴费。"],
                &[],
                &["结算存储过程死锁，已终止阻塞会话并提交厂商优化。"],
                &["已恢复结算，请重新收费。"],
            ),
        ],
        more_zh: &[
            "重新登录后偶尔能成功。",
            "截图已附上，麻烦尽快处理，病人排队很多。",
            "别的科室好像也有这个情况。",
            "电脑已重启过。",
        ],
        more_en: &["The screenshot is attached.", "Patients are queueing."],
        replies: &[
            "已收到截图，正在查看服务器日志，请先不要关闭报错窗口。",
            "请告诉我们出现问题时的患者ID和操作步骤。",
        ],
        notes: &["已收集客户端日志并转厂商二线。"],
        ..BASE
    },
    // Campus-wide HIS outage: the emergency case.
    Scenario {
        weight: 4,
        sev: [60, 35, 5, 0],
        channels: [5, 70, 10, 15, 0, 0],
        codes: &[
            "ORA-12541: TNS:no listener",
            "连接数据库失败",
            "HTTP 503",
            "网络连接超时",
        ],
        issues: &[
            is(
                &["{campus}HIS全院无法登录", "{campus}所有工作站提示“{code}”"],
                &[
                    "HIS down across {campus}",
                    "All HIS workstations show {code}",
                ],
                &["{time}开始{campus}所有HIS工作站提示“{code}”，挂号、收费、医生站全部无法使用。"],
                &["Since {time} every HIS workstation at {campus} shows {code}."],
                &["数据库主节点监听异常，已切换到备库，正在核对切换期间数据。"],
                &["{time}起HIS全部业务恢复正常，中断期间的手工单据请于今日补录。"],
            ),
            is(
                &[
                    "{campus}门诊挂号收费全部中断",
                    "HIS数据库连接失败，{campus}所有科室无法开单",
                ],
                &[],
                &["{campus}门诊收费窗口全部无法结算，医生站也打不开。"],
                &[],
                &["核心交换机至数据中心链路中断，已切换备用链路。"],
                &["链路已恢复，挂号收费恢复正常，请补录手工单据。"],
            ),
        ],
        more_zh: &[
            "已启动手工登记应急预案，门诊大厅排队患者超过{count}人。",
            "信息科已电话通知，请立即安排工程师。",
            "住院部也反馈无法执行医嘱。",
        ],
        more_en: &["Manual registration has started; more than {count} patients are queueing."],
        replies: &[
            "已按应急流程处理，每15分钟通报一次进度。",
            "已定位故障，预计{min}分钟内恢复。",
        ],
        notes: &["已通知信息科主任，厂商二线已远程接入。"],
        ..BASE
    },
    // PACS.
    Scenario {
        weight: 22,
        kinds: K_US | K_REPRO | K_OPD | K_WARD,
        sev: [0, 12, 63, 25],
        codes: &[
            "DICOM C-MOVE failed",
            "Association rejected",
            "0xA700 Out of resources",
        ],
        issues: &[
            is(
                &["PACS影像调阅缓慢", "{place}PACS打开影像要等{n}分钟"],
                &["PACS images load slowly at {place}"],
                &["调阅患者{pid}的卵泡监测超声图像，打开需要{n}分钟以上。"],
                &["Opening images for patient {pid} takes more than {n} minutes."],
                &["近线存储回迁任务积压，已调高并发数。"],
                &["已处理，影像调阅恢复正常，请刷新后再试。"],
            ),
            is(
                &["PACS无法调阅历史影像", "PACS历史检查打不开，提示“{code}”"],
                &["PACS viewer error: {code}"],
                &["半年以前的历史影像打不开，提示“{code}”，当天的正常。"],
                &["Older studies fail to open with {code}; today's are fine."],
                &[
                    "PACS存储阵列{n}号盘告警，已联系厂商更换。",
                    "归档节点服务停止，已重启。",
                ],
                &["历史影像已可调阅。"],
            ),
            is(
                &["超声图像上传PACS失败", "{place}超声工作站图像传不到PACS"],
                &["Ultrasound images not sent to PACS"],
                &["超声工作站{n}号机采集的图像无法上传，提示“{code}”。"],
                &["Ultrasound workstation {n} cannot send images: {code}."],
                &["工作站与PACS服务器AE Title配置不一致，已修正。"],
                &["已修正配置并补传图像。"],
            ),
        ],
        more_zh: &[
            "已重启影像工作站，问题依旧。",
            "医生在等着看片写报告。",
            "从{time}开始的。",
        ],
        more_en: &["Restarting the workstation did not help."],
        notes: &["已查看PACS服务器日志。"],
        ..BASE
    },
    // LIS to HIS interface.
    Scenario {
        weight: 22,
        kinds: K_LAB | K_OPD | K_WARD | K_REPRO,
        sev: [0, 20, 63, 17],
        work: "integration",
        codes: &["HL7 ACK AE", "接口返回 -1", "消息队列超时"],
        issues: &[
            is(
                &["LIS与HIS接口检验结果不回传", "{dept}检验报告在医生站查不到"],
                &[
                    "LIS results not returned to HIS",
                    "LIS-HIS interface error {code}",
                ],
                &[
                    "{time}以后审核的检验结果在HIS医生站都看不到，LIS里状态是“已审核”。",
                    "患者{pid}的性激素六项、AMH报告医生站查不到。",
                ],
                &["Lab results validated after {time} do not appear in HIS."],
                &[
                    "接口服务消息队列堵塞，已重启接口服务并补发{count}条结果。",
                    "HIS端视图字段长度不足导致插入失败，已提交厂商修复。",
                ],
                &["接口已恢复，积压的检验结果已全部回传，请刷新查看。"],
            ),
            is(
                &[
                    "LIS条码打印后HIS显示未采样",
                    "{place}标本条码扫描提示条码不存在",
                ],
                &[],
                &["标本接收时扫码提示“条码不存在”，HIS里显示未采样。"],
                &[],
                &["LIS升级后患者ID映射规则变更，已与HIS厂商联调修正。"],
                &["条码状态已同步，可以正常接收标本。"],
            ),
            is(
                &["检验危急值未推送到护士站"],
                &["Critical lab values not pushed to the ward"],
                &["患者{pid}的危急值LIS已发布，但护士站没有弹窗提醒。"],
                &["A critical value for patient {pid} did not alert the nurses' station."],
                &["危急值推送服务订阅丢失，已重新订阅并补推。"],
                &["危急值推送已恢复，已补推漏发的提醒。"],
            ),
        ],
        more_zh: &[
            "涉及{count}份报告，患者在门诊等结果。",
            "接口日志里报“{code}”。",
            "手工重新发送后部分报告可以看到。",
        ],
        more_en: &["The interface log shows {code}."],
        notes: &["已导出接口日志留档。"],
        ..BASE
    },
    // Electronic medical records.
    Scenario {
        weight: 20,
        kinds: K_CLIN,
        sev: [0, 10, 62, 28],
        work: "bug_fix",
        codes: &["文档已被锁定", "Error 500", "模板加载失败"],
        issues: &[
            is(
                &[
                    "电子病历保存时提示“{code}”",
                    "{place}电子病历病程记录保存不上",
                ],
                &["EMR cannot save progress note: {code}"],
                &["患者{pid}的病程记录保存不上，提示“{code}”。"],
                &["The progress note for patient {pid} cannot be saved: {code}."],
                &["该病历被另一个会话锁定（医生未正常退出），已解锁。"],
                &["已解锁病历，可以正常保存。"],
            ),
            is(
                &["电子病历签名板无法签名", "电子病历CA签名失败"],
                &["E-signature fails in EMR"],
                &["CA签名Ukey插上后没有反应，医生无法签名。"],
                &["The CA USB key does not respond and doctors cannot sign."],
                &["CA客户端版本与Ukey驱动不兼容，已回退驱动版本。"],
                &["签名组件已修复，请重新插拔Ukey后签名。"],
            ),
            is(
                &["电子病历打印格式错乱", "电子病历病程记录模板丢失"],
                &["EMR print layout broken"],
                &["电子病历打印出来页眉和正文重叠，常用模板也找不到了。"],
                &["EMR printouts overlap the header and our templates are gone."],
                &["打印模板在上次升级时被覆盖，已从备份恢复。"],
                &["模板已恢复，打印格式正常。"],
            ),
            is(
                &["{place}电子病历无法提交归档"],
                &[],
                &["出院病历点击提交归档没有反应。"],
                &[],
                &["归档校验规则缺少新字段映射，已补充。"],
                &["病历已可正常提交归档。"],
            ),
        ],
        more_zh: &[
            "换了一台电脑也一样。",
            "病案室催病历归档，今天是最后期限。",
            "{time}之前还是好的。",
        ],
        more_en: &["Another PC behaves the same."],
        ..BASE
    },
    // Materials management (物资管理).
    Scenario {
        weight: 28,
        kinds: K_EQUIP | K_OFFICE | K_PHARM | K_CLIN | K_LAB | K_US,
        sev: [0, 4, 60, 36],
        work: "bug_fix",
        codes: &[
            "库存不足",
            "单据已被他人修改",
            "NullPointerException",
            "HTTP 500",
            "审批节点不存在",
        ],
        issues: &[
            is(
                &["物资管理系统科室请领单提交失败", "物资请领单提示“{code}”"],
                &["Materials: requisition cannot be submitted"],
                &["提交本月耗材请领单时提示“{code}”，单据里有{n}个品规。"],
                &["Submitting this month's requisition ({n} items) fails with {code}."],
                &[
                    "审批流配置缺少{dept}节点，已补充。",
                    "单据被并发修改触发乐观锁冲突，已提醒科室不要多人同时编辑。",
                ],
                &["已修正，请重新提交请领单。"],
            ),
            is(
                &["物资入库单审核后库存未增加"],
                &["Stock not updated after goods receipt"],
                &["入库单已经审核通过，但库存查询里数量没变。"],
                &["The goods receipt is approved but stock did not change."],
                &["库存表与单据明细不一致，已写脚本修正并登记变更。"],
                &["库存数量已更正。"],
            ),
            is(
                &["{dept}耗材申领单一直是“待审核”"],
                &[],
                &["上周提交的申领单到现在还是“待审核”，审批人说待办里看不到。"],
                &[],
                &["审批人岗位变动后待办未转移，已重新指派。"],
                &["申领单已转到设备科待办。"],
            ),
            is(
                &["物资系统月末结转报错"],
                &["物资 month-end close fails with {code}"],
                &["月末结转时提示“{code}”，结转中断。"],
                &["Month-end close stops with {code}."],
                &["有{n}张未审核单据阻止结转，已协助科室处理后重新结转。"],
                &["月末结转已完成。"],
            ),
        ],
        more_zh: &[
            "月底要结账，财务在催。",
            "试了{n}次都一样。",
            "截图已附上。",
        ],
        more_en: &["Month-end close is due."],
        notes: &["已在测试环境复现。"],
        ..BASE
    },
    // Asset management (资产管理).
    Scenario {
        weight: 14,
        kinds: K_EQUIP | K_FIN | K_IT,
        sev: [0, 2, 50, 48],
        work: "bug_fix",
        maint: &["corrective", "perfective"],
        codes: &["状态不允许", "HTTP 500", "折旧期间已关闭"],
        issues: &[
            is(
                &["资产管理系统盘点数据导入失败"],
                &["Asset inventory import fails"],
                &["用PDA盘点后导入Excel，提示第{n}行格式错误，但检查没有问题。"],
                &["Importing the stocktake file fails at row {n}."],
                &["导入模板列顺序有变化，已更新模板并告知设备科。"],
                &["已更新导入模板，请重新导入。"],
            ),
            is(
                &["资产卡片{asset}无法报废"],
                &["Asset card {asset} cannot be retired"],
                &["资产{asset}已过使用年限，走报废流程提示“{code}”。"],
                &["Retiring asset {asset} fails with {code}."],
                &["该资产有未完成的维修单，需先关闭维修单。"],
                &["维修单已关闭，报废流程可以继续。"],
            ),
            is(
                &["资产折旧计算结果不对"],
                &[],
                &["本月折旧汇总和总账对不上。"],
                &[],
                &["卡片折旧方法被误设为工作量法，已修正并重算。"],
                &["已重算折旧，与总账一致。"],
            ),
            is(
                &["资产调拨单无法审核"],
                &[],
                &["资产调拨单点审核提示“{code}”。"],
                &[],
                &["调入科室尚未启用资产账套，已启用。"],
                &["调拨单已审核。"],
            ),
        ],
        more_zh: &["年度盘点下周要交。", "涉及{count}张资产卡片。"],
        more_en: &["The annual stocktake is due next week."],
        ..BASE
    },
    // Finance (财务).
    Scenario {
        weight: 14,
        kinds: K_FIN,
        sev: [0, 10, 60, 30],
        work: "bug_fix",
        codes: &[
            "期间未打开",
            "借贷不平衡",
            "ORA-00001: unique constraint violated",
            "HTTP 504",
        ],
        issues: &[
            is(
                &["财务系统凭证无法过账", "财务系统过账提示“{code}”"],
                &["Finance: voucher cannot be posted"],
                &["{time}做凭证过账时报“{code}”，涉及凭证{n}张。"],
                &["Posting {n} vouchers fails with {code}."],
                &["会计期间未打开，已指导财务人员先开期间。"],
                &["已可以正常过账。"],
            ),
            is(
                &["财务与HIS收入对账不平"],
                &["Daily revenue does not match HIS"],
                &["HIS昨天门诊收入与财务系统相差{n}笔。"],
                &["Yesterday's outpatient revenue differs from HIS by {n} entries."],
                &["HIS日结接口凌晨执行失败，已手工补推。"],
                &["已补推数据，对账已平。"],
            ),
            is(
                &["财务报表导出Excel乱码"],
                &[],
                &["导出的Excel打开是乱码，之前是好的。"],
                &[],
                &["导出编码改成GBK后正常，已提交厂商修复默认编码。"],
                &["已修正导出编码。"],
            ),
            is(
                &["{place}收费日结单打印失败"],
                &[],
                &["收费员日结时点打印没有反应，日结单打不出来。"],
                &[],
                &["日结单报表模板路径错误，已修正。"],
                &["日结单已能打印。"],
            ),
        ],
        more_zh: &["月底结账前必须处理。", "已截图附上。"],
        more_en: &["Month-end close is due."],
        ..BASE
    },
    // Human resources (人事).
    Scenario {
        weight: 10,
        kinds: K_OFFICE | K_FIN,
        sev: [0, 4, 56, 40],
        work: "bug_fix",
        codes: &[
            "身份证号校验失败",
            "工号重复",
            "HTTP 500",
            "Excel格式不支持",
        ],
        issues: &[
            is(
                &["人事系统新员工信息无法保存"],
                &["HR module: cannot save new employee record"],
                &["新入职{n}名护士，录入身份证号后保存提示“{code}”。"],
                &["Saving {n} new employees fails with {code}."],
                &[
                    "身份证校验规则不支持末位小写x，已提交缺陷单并临时改为大写录入。",
                    "工号序列与历史数据冲突，已调整序列起始值。",
                ],
                &["已可以保存。"],
            ),
            is(
                &["绩效工资导入提示“{code}”"],
                &["Payroll import error {code}"],
                &["本月{count}人的绩效数据导入失败，提示“{code}”。"],
                &["Importing performance pay for {count} staff fails with {code}."],
                &["导入文件为xls旧格式，已指导另存为xlsx。"],
                &["绩效数据已导入。"],
            ),
            is(
                &["人事模块排班表导出失败"],
                &[],
                &["排班表导出时一直转圈没有结果。"],
                &[],
                &["导出数据量过大超时，已调整分页导出。"],
                &["排班表已可导出。"],
            ),
        ],
        more_zh: &["需要今天下班前完成。", "模板是系统里下载的。"],
        more_en: &["Payroll runs on Monday."],
        ..BASE
    },
    // Accounts and permissions (用户权限).
    Scenario {
        weight: 22,
        sev: [0, 0, 25, 75],
        maint: &["adaptive"],
        channels: CH_REQUEST,
        acks: ACKS_REQUEST,
        systems: &[
            "HIS",
            "物资管理系统",
            "资产管理系统",
            "财务系统",
            "电子病历",
            "LIS",
        ],
        issues: &[
            is(
                &["{dept}新入职人员开通{sys}账号及权限"],
                &["New staff at {dept} need {sys} accounts"],
                &["{dept}新来{n}位同事，需要开通{sys}账号。"],
                &["{n} new colleagues at {dept} need {sys} accounts."],
                &["已按申请单批量开通账号并设置初始密码。"],
                &["账号已开通，初始密码已通知本人。"],
            ),
            is(
                &["工号{staff}调科后{sys}权限需要调整"],
                &["Request {sys} access for staff {staff}"],
                &["工号{staff}，已从{campus}其他科室调到{dept}，需要开通本科室的{sys}权限。"],
                &["Staff {staff} moved to {dept} and needs {sys} access."],
                &["已按申请单开通角色并收回原科室权限，变更已记入审计日志。"],
                &["权限已调整，请退出后重新登录生效。"],
            ),
            is(
                &["申请开通{sys}审批权限"],
                &[],
                &["登录{sys}后看不到审批菜单，需要增加审批权限。"],
                &[],
                &["申请单缺少信息科审批签字，已退回补签。", "已分配审批角色。"],
                &["权限已开通，请退出后重新登录生效。"],
            ),
            is(
                &["护士长需要增加排班审核权限"],
                &[],
                &["新任护士长需要在人事系统审核本科室排班。"],
                &[],
                &["已分配排班审核角色。"],
                &["权限已开通，请退出后重新登录生效。"],
            ),
        ],
        more_zh: &["附件是科主任签字的权限申请单。", "原科室的权限请一并收回。"],
        more_en: &["The signed request form is attached."],
        ..BASE
    },
    // Wired network.
    Scenario {
        weight: 30,
        sev: [0, 16, 58, 26],
        issues: &[
            is(
                &[
                    "{place}网络中断",
                    "{place}电脑全部上不了网",
                    "{dept}整层断网",
                ],
                &["Network down at {place}", "No network on floor {floor}"],
                &["{time}开始{place}{n}台电脑都显示网络断开，HIS无法使用。"],
                &["Since {time}, {n} PCs at {place} have no network."],
                &[
                    "弱电间交换机电源适配器损坏，已临时更换备用机。",
                    "发现环路导致广播风暴，已在交换机开启环路检测。",
                ],
                &["交换机已更换，网络恢复正常。"],
            )
            .sev([3, 30, 55, 12]),
            is(
                &["{place}网络时断时续"],
                &["Intermittent network drops in room {room}"],
                &["ping网关{ip}丢包严重，HIS一会儿能用一会儿不能用。"],
                &["Pinging the gateway {ip} loses many packets."],
                &[
                    "怀疑交换机端口故障，待现场排查。",
                    "接入交换机端口协商异常，已固定速率。",
                ],
                &["已更换交换机端口，网络稳定。"],
            ),
            is(
                &["{place}网口不通，其他电脑正常"],
                &["Network port dead at {place}"],
                &["右下角网络图标显示黄色感叹号，IP是169.254开头，同屋其他电脑正常。"],
                &["The PC gets a 169.254 address; other PCs in the room are fine."],
                &[
                    "接入交换机端口down，更换端口后恢复，原端口待观察。",
                    "网线水晶头氧化。",
                ],
                &["已更换网线并重新打水晶头，网络恢复。"],
            ),
        ],
        more_zh: &[
            "昨天装修队在走廊施工，不知道是否碰到网线。",
            "手机连无线是正常的。",
            "急！病人在等着开单。",
        ],
        more_en: &["Wi-Fi on phones still works."],
        replies: &["请帮忙看一下网线另一头墙上的网口编号，拍照发给我们。"],
        ..BASE
    },
    // Wireless.
    Scenario {
        weight: 16,
        kinds: K_WARD | K_OPD | K_REPRO,
        sev: [0, 8, 60, 32],
        issues: &[
            is(
                &["{place}无线AP信号差，PDA频繁掉线"],
                &["Wi-Fi keeps dropping at {place}"],
                &["护士用PDA扫腕带执行医嘱时经常提示网络断开，走到走廊尽头就没信号。"],
                &["Nursing PDAs at {place} keep losing Wi-Fi."],
                &["该区域AP信道冲突严重，已调整信道和功率。"],
                &["已调整无线参数，复测信号正常。"],
            ),
            is(
                &["{place}无线AP指示灯不亮"],
                &["AP offline near {place}"],
                &["{place}附近的{n}号AP指示灯不亮，这一片都没有无线信号。"],
                &["Access point {n} near {place} is dark."],
                &["AP {ip} 离线，PoE供电口故障，已改接其他端口。"],
                &["已更换AP，信号恢复。"],
            ),
            is(
                &["{place}移动护理推车连不上WiFi", "{dept}无线网络认证失败"],
                &["Nursing cart cannot join Wi-Fi"],
                &["移动护理推车连无线时提示认证失败。"],
                &["The nursing cart fails Wi-Fi authentication."],
                &["推车的终端证书过期，已重新下发。"],
                &["证书已更新，推车已连上无线。"],
            ),
        ],
        more_zh: &["影响床旁执行和输液巡视登记。", "前几天还是好的。"],
        more_en: &["Bedside order execution is affected."],
        notes: &["AP固件过旧，已计划夜间升级。"],
        ..BASE
    },
    // VPN from home.
    Scenario {
        weight: 10,
        kinds: K_FIN | K_OFFICE | K_EQUIP | K_IT | K_REPRO,
        sev: [0, 3, 42, 55],
        channels: CH_OFFSITE,
        codes: &["Error 809", "Error 691", "证书无效", "隧道建立超时"],
        issues: &[
            is(
                &["居家办公VPN无法连接", "VPN客户端提示“{code}”"],
                &["VPN cannot connect from home", "VPN client error: {code}"],
                &["在家用笔记本连接VPN，提示“{code}”。"],
                &["Connecting to the VPN from home fails with {code}."],
                &[
                    "用户VPN证书过期，已重新签发。",
                    "家庭宽带屏蔽了UDP 500端口，建议改用SSL VPN。",
                ],
                &["已重新签发证书并指导安装，VPN连接正常。"],
            ),
            is(
                &["VPN连接成功但打不开内网系统"],
                &["VPN connects but intranet systems unreachable"],
                &["VPN显示已连接，但物资系统和OA都打不开。"],
                &["The VPN says connected but intranet systems do not open."],
                &["该账号不在VPN资源授权组，已按审批加入。"],
                &["已授权内网资源，可以访问了。"],
            ),
        ],
        more_zh: &[
            "上周还能用，这周换了新的家用路由器。",
            "需要远程处理{n}张报销单。",
        ],
        more_en: &[
            "It worked last week.",
            "I need to approve {n} requisitions tonight.",
        ],
        acks: &[
            "已收到，请保持电话畅通，工程师将远程协助。",
            "收到，请把报错截图发到微信群。",
        ],
        ..BASE
    },
    // Queue calling system (叫号).
    Scenario {
        weight: 14,
        kinds: K_OPD | K_US | K_LAB | K_REPRO | K_PHARM,
        sev: [0, 12, 60, 28],
        issues: &[
            is(
                &["{place}叫号屏不显示", "{place}叫号大屏黑屏"],
                &["Queue display blank at {place}"],
                &["{time}开始{place}的叫号大屏黑屏，候诊区有{count}名患者。"],
                &["The queue display at {place} went blank at {time}."],
                &["叫号屏盒子IP与其他设备冲突，已改为静态地址{ip}。"],
                &["叫号屏已恢复显示。"],
            ),
            is(
                &["叫号系统不叫号，患者排队混乱", "{place}叫号语音没有声音"],
                &["Queue system not calling patients"],
                &["点了叫号没有语音播报，屏幕上也不更新，喇叭电源是正常的。"],
                &["Pressing call does nothing: no voice, no screen update."],
                &["叫号服务进程假死，已重启并加入看门狗。"],
                &["叫号服务已恢复。"],
            ),
            is(
                &["叫号屏患者姓名显示乱码"],
                &["Queue display shows garbled names"],
                &["患者姓名中的生僻字显示成问号。"],
                &["Rare characters in patient names show as question marks."],
                &["生僻字字库未安装，已更新字库。"],
                &["已更新字库，姓名显示正常。"],
            ),
        ],
        more_zh: &["已重启分诊台电脑，没有用。", "现在靠护士喊号。"],
        more_en: &["Nurses are calling names by voice."],
        ..BASE
    },
    // Self-service kiosks.
    Scenario {
        weight: 12,
        kinds: K_OPD,
        sev: [0, 14, 60, 26],
        locs: &[
            "门诊大厅自助机区",
            "门诊楼{floor}楼自助机",
            "门诊楼{floor}楼候诊区",
        ],
        codes: &["交易超时", "支付结果未知"],
        issues: &[
            is(
                &["门诊大厅{n}号自助机无法缴费", "自助机扫码支付后未出凭条"],
                &[
                    "Self-service kiosk {n} cannot take payment",
                    "Kiosk paid but no receipt",
                ],
                &["患者扫码支付成功，但{n}号自助机提示“{code}”，HIS里查不到缴费记录。"],
                &["Kiosk ZZJ-{n} took the payment but shows {code}."],
                &["支付平台回调超时，已按交易流水人工对账并补记。"],
                &["已补记缴费并为患者打印凭条。"],
            ),
            is(
                &["自助机医保卡读卡失败"],
                &["Kiosk card reader fails"],
                &["{n}号自助机读卡器提示“读卡失败”，换了几张医保卡都一样。"],
                &["The card reader on kiosk {n} rejects every insurance card."],
                &["读卡器USB供电不足，已更换为带电源的HUB。"],
                &["读卡器已更换，自助机恢复使用。"],
            ),
            is(
                &["{place}自助机黑屏"],
                &["Kiosk screen black at {place}"],
                &["自助机编号ZZJ-{n}黑屏，按键没反应。"],
                &["Kiosk ZZJ-{n} has a black screen."],
                &["工控机电源故障，已更换。"],
                &["自助机已恢复使用。"],
            ),
            is(
                &["自助机打印检验报告卡纸"],
                &[],
                &["{n}号自助机打印检验报告时卡纸，患者拿不到报告。"],
                &[],
                &["报告打印机走纸通道有异物，已清理。"],
                &["已清理卡纸，报告打印正常。"],
            ),
        ],
        more_zh: &["患者投诉已扣款，请核实。", "已在机器上贴了暂停使用。"],
        more_en: &["The patient says the money was deducted."],
        ..BASE
    },
    // Medical insurance interface (医保接口).
    Scenario {
        weight: 14,
        kinds: K_FIN | K_OPD | K_PHARM | K_WARD,
        sev: [0, 26, 58, 16],
        work: "integration",
        maint: &["corrective", "adaptive"],
        codes: &[
            "-3004 参保人信息不存在",
            "交易超时",
            "1001 签到失败",
            "HTTP 502",
        ],
        issues: &[
            is(
                &["医保接口结算失败，提示“{code}”", "医保接口 error {code}"],
                &["Medical insurance settlement fails: {code}"],
                &["{time}起出院结算时医保接口返回“{code}”，已有{n}名患者无法出院结算。"],
                &["Insurance settlement returns {code} since {time}."],
                &[
                    "医保前置机签到失效，已重新签到。",
                    "前置机到省平台专线丢包，已报运营商。",
                ],
                &["医保接口已恢复，请重新结算。"],
            ),
            is(
                &["{campus}医保结算全部失败"],
                &["医保 interface down at {campus}"],
                &["{campus}所有收费窗口医保结算都返回“{code}”。"],
                &["Every insurance settlement at {campus} returns {code}."],
                &["医保前置机服务宕机，已重启并启用备用前置机。"],
                &["医保结算已全部恢复。"],
            )
            .sev([20, 50, 30, 0]),
            is(
                &["医保目录对照后药品无法结算"],
                &[],
                &["新对照的{n}个药品医保结算时报目录未对照。"],
                &[],
                &["新版目录编码未同步，已导入最新目录并重新对照。"],
                &["目录已同步，可以结算。"],
            ),
            is(
                &["医保电子凭证扫码失败"],
                &["Insurance e-voucher QR scan fails"],
                &["患者出示医保电子凭证，扫码枪扫了提示“{code}”。"],
                &["Scanning the insurance e-voucher returns {code}."],
                &["扫码枪未配置为电子凭证模式，已重新设置。"],
                &["已设置扫码枪，电子凭证可以正常使用。"],
            ),
        ],
        more_zh: &["自费结算可以正常进行。", "患者在窗口排队，情绪很大。"],
        more_en: &["Self-pay settlement still works."],
        ..BASE
    },
    // Data dictionary (数据字典).
    Scenario {
        weight: 10,
        kinds: K_IT | K_PHARM | K_LAB | K_EQUIP | K_FIN | K_REPRO,
        sev: [0, 0, 25, 75],
        work: "localization",
        maint: &["adaptive", "perfective"],
        channels: CH_REQUEST,
        acks: ACKS_REQUEST,
        codes: &[
            "抗缪勒管激素(AMH)",
            "β-人绒毛膜促性腺激素(β-HCG)",
            "抑制素B",
            "精子DNA碎片率",
            "胚胎培养液",
            "取卵针",
        ],
        issues: &[
            is(
                &["数据字典新增“{code}”"],
                &["Add “{code}” to the data dictionary"],
                &["新增项目“{code}”，需要在字典中维护编码、单位和参考范围。"],
                &["Please add “{code}” with its code and unit to the dictionary."],
                &["字典变更需同步HIS和LIS两侧，已协调厂商。"],
                &["字典已新增，请刷新后使用。"],
            ),
            is(
                &["数据字典中科室名称需要更新"],
                &["Update department names in the data dictionary"],
                &["下月起{dept}更名，请同步修改数据字典中的科室名称，涉及{n}个系统。"],
                &["{dept} is renamed next month; {n} systems need the new name."],
                &["已整理涉及的{n}个系统清单。"],
                &["科室名称已在各系统字典中更新。"],
            ),
            is(
                &["申请修改物资字典计量单位", "药品字典规格维护错误"],
                &[],
                &["计量单位“盒”和“支”换算关系错误，导致库存数量不对。"],
                &[],
                &["已修正换算系数，并核对受影响的库存记录。"],
                &["字典已修正。"],
            ),
        ],
        more_zh: &["相关文件已附上。", "请在本月底前完成。"],
        more_en: &["Needed by the end of the month."],
        notes: &["已在测试环境修改并验证，计划今晚{time}后在生产环境变更。"],
        ..BASE
    },
    // Backup and restore.
    Scenario {
        weight: 6,
        kinds: K_IT,
        sev: [0, 22, 55, 23],
        maint: &["preventive", "corrective"],
        codes: &["RMAN-03009", "ORA-19502: write error", "校验和不一致"],
        acks: &["已收到，DBA正在检查备份日志。", "收到，已安排工程师处理。"],
        issues: &[
            is(
                &["数据库备份作业失败", "备份校验失败：“{code}”"],
                &["Nightly database backup failed"],
                &["今晨备份作业报告“{code}”，昨晚的全量备份未完成。"],
                &["Last night's full backup failed with {code}."],
                &["备份介质剩余空间不足，已清理过期备份集并调整保留策略。"],
                &["已重新执行全量备份并校验通过。"],
            )
            .sev([10, 40, 45, 5]),
            is(
                &["申请恢复误删除的物资单据"],
                &["Restore request for deleted records"],
                &["设备科误删除了{n}张入库单，申请从备份恢复。"],
                &["{n} goods receipts were deleted by mistake; please restore them."],
                &["已从{time}的归档日志恢复到临时库，导出数据待科室确认。"],
                &["数据已恢复，请核对。"],
            ),
            is(
                &["备份恢复演练：恢复资源管理平台测试库"],
                &["Restore drill for the platform database"],
                &["按季度计划进行备份恢复演练，需恢复最近一次全量备份到测试库。"],
                &["Quarterly restore drill: restore the latest full backup to the test database."],
                &["恢复演练耗时{min}分钟，已记录到演练报告。"],
                &["演练完成，恢复数据校验一致，报告已归档。"],
            ),
            is(
                &["备份存储空间不足告警"],
                &["Backup storage almost full"],
                &["备份存储使用率已达{pct}%。"],
                &["Backup storage is at {pct}%."],
                &["已清理过期备份集，并申请扩容。"],
                &["空间已释放。"],
            ),
        ],
        more_zh: &["请今天内处理。", "按制度需形成记录。"],
        more_en: &["Please handle today."],
        ..BASE
    },
    // Server room, found on an inspection round.
    Scenario {
        weight: 8,
        kinds: K_IT,
        sev: [0, 10, 50, 40],
        maint: &["preventive"],
        channels: CH_INSPECTION,
        acks: ACKS_INSPECTION,
        issues: &[
            is(
                &["巡检：机房UPS电池自检异常"],
                &["Inspection: UPS battery self-test failed"],
                &["UPS自检提示电池组{n}需要更换。"],
                &["The UPS self-test flags battery string {n}."],
                &["已联系UPS厂商上门检测电池。"],
                &["已更换电池组，自检通过。"],
            ),
            is(
                &[
                    "应用服务器磁盘使用率{pct}%",
                    "巡检：数据库表空间使用率超过{pct}%",
                ],
                &["Disk usage {pct}% on app server {ip}"],
                &["例行巡检发现服务器{ip}的/data分区使用率{pct}%。"],
                &["Routine inspection: /data on {ip} is at {pct}%."],
                &["已清理日志文件释放空间，并加了自动清理任务。"],
                &["已处理，使用率降至安全范围，纳入巡检跟踪。"],
            ),
            is(
                &["巡检发现{place}机柜温度偏高"],
                &[],
                &["例行巡检发现{place}环境温度超过28摄氏度。"],
                &[],
                &["空调回风滤网堵塞，已通知总务科清洗。"],
                &["空调已清洗，温度恢复正常。"],
            ),
            is(
                &["巡检：服务器{ip}硬盘告警"],
                &["Inspection: disk alarm on server {ip}"],
                &["服务器{ip}的{n}号硬盘亮黄灯。"],
                &["Disk {n} on server {ip} shows an amber light."],
                &["RAID仍为冗余状态，已申请备盘。"],
                &["已热插拔更换硬盘，RAID重建完成。"],
            ),
        ],
        more_zh: &["暂未影响业务。", "建议纳入本月预防性维护计划。"],
        more_en: &["No impact on users yet."],
        ..BASE
    },
    // Comms rooms in every building, found on rounds.
    Scenario {
        weight: 10,
        sev: [0, 4, 46, 50],
        maint: &["preventive"],
        channels: CH_INSPECTION,
        acks: ACKS_INSPECTION,
        locs: &["{floor}楼弱电间", "{floor}楼弱电井", "{floor}楼配线间"],
        issues: &[
            is(
                &["巡检发现{place}交换机风扇告警"],
                &["Inspection: switch fan alarm at {place}"],
                &["{campus}例行巡检，{place}交换机面板风扇告警灯亮。"],
                &["Routine round at {campus}: the switch fan alarm is on at {place}."],
                &["已登记备件需求，约定夜间窗口更换。"],
                &["已更换风扇模块，复查正常。"],
            ),
            is(
                &["巡检：{place}网线杂乱需要整理"],
                &[],
                &["{place}机柜内跳线杂乱，无标签，影响排障。"],
                &[],
                &["已拍照留档，计划周末整理。"],
                &["已整理线缆并贴好标签。"],
            ),
            is(
                &["巡检发现{place}交换机端口错误包增多"],
                &[],
                &["{place}交换机第{n}口CRC错误包持续增长。"],
                &[],
                &["怀疑交换机端口故障，待现场排查。"],
                &["已更换跳线，错误包不再增长。"],
            ),
            is(
                &["{place}门锁损坏，机柜未上锁"],
                &[],
                &["{place}门锁坏了，机柜敞开，存在安全隐患。"],
                &[],
                &["已通知总务科维修门锁。"],
                &["门锁已修好，机柜已上锁。"],
            ),
        ],
        more_zh: &["暂时不影响使用。", "已拍照留档。"],
        more_en: &["Photos are attached."],
        ..BASE
    },
    // PCs and peripherals.
    Scenario {
        weight: 40,
        sev: [0, 4, 50, 46],
        codes: &[
            "CRITICAL_PROCESS_DIED",
            "MEMORY_MANAGEMENT",
            "0x0000007B",
            "IRQL_NOT_LESS_OR_EQUAL",
        ],
        issues: &[
            is(
                &["{place}电脑蓝屏，提示“{code}”"],
                &["PC blue screen at {place}: {code}"],
                &["{time}电脑突然蓝屏，重启后又蓝屏，代码“{code}”。"],
                &["The PC blue-screens with {code} since {time}."],
                &[
                    "内存条松动，重新插拔后正常。",
                    "硬盘SMART告警，已备份数据并申请更换SSD。",
                ],
                &["已更换硬盘并重装系统，运行正常。"],
            ),
            is(
                &["{place}电脑开机无反应"],
                &["Computer won't boot in room {room}"],
                &["按电源键没有任何反应，指示灯不亮，换了插座也一样。"],
                &["Pressing the power button does nothing."],
                &["主机电源损坏。"],
                &["已更换主机电源，开机正常。"],
            ),
            is(
                &["{place}扫码枪扫描无反应", "{place}扫码枪扫不出腕带"],
                &["Barcode scanner not working at {place}"],
                &["扫码枪扫腕带时没有声音也没有反应。"],
                &["The barcode scanner does not beep or read anything."],
                &["扫码枪被设置成了虚拟串口模式，已恢复为键盘模式。"],
                &["已重新设置扫码枪，测试正常。"],
            ),
            is(
                &["{place}电脑运行非常慢"],
                &["PC extremely slow at {place}"],
                &["电脑开一个HIS界面要等很久，风扇声音很大。"],
                &["The PC takes ages to open HIS and the fan is loud."],
                &[
                    "电脑中了挖矿病毒，已隔离查杀并上报信息科。",
                    "散热器积灰严重，已清灰。",
                ],
                &["已清灰并优化启动项，运行正常。"],
            ),
            is(
                &["{place}显示器闪屏"],
                &[],
                &["显示器一直闪，看久了眼睛很累。"],
                &[],
                &["视频线接口松动，已更换。"],
                &["已更换，使用正常。"],
            ),
        ],
        more_zh: &[
            "电脑资产编号{asset}。",
            "这台是科里唯一能打印的电脑。",
            "急用，谢谢。",
        ],
        more_en: &["Asset number {asset}."],
        replies: &[
            "请先把电脑后面的电源线和网线重新插紧再试一次。",
            "已安排{campus}驻场工程师上门。",
        ],
        ..BASE
    },
    // Enhancement requests.
    Scenario {
        weight: 12,
        sev: [0, 0, 10, 90],
        work: "localization",
        maint: &["perfective"],
        channels: CH_REQUEST,
        acks: ACKS_REQUEST,
        issues: &[
            is(
                &["{dept}申请新增月度工作量统计报表"],
                &["Request: monthly workload report for {dept}"],
                &["按照院里新的考核要求，需要按月统计{dept}的工作量。"],
                &["We need a monthly workload report for {dept}."],
                &["评估工作量约{n}人天，纳入下个迭代。"],
                &["报表已上线，请在“统计查询”菜单下使用。"],
            ),
            is(
                &["物资请领单打印格式调整", "护理记录单模板按新规范调整"],
                &["Change print layout of the requisition form"],
                &["希望打印格式与省卫健委新版模板一致，模板见附件。"],
                &["Please match the print layout to the attached template."],
                &["需求已整理成需求报告，待信息科审批后排期。"],
                &["新模板已上线。"],
            ),
            is(
                &["希望医生站增加常用医嘱模板"],
                &[],
                &["每次都要手工输入相同的医嘱组合，希望能做成科室模板。"],
                &[],
                &["已与科室确认模板内容。"],
                &["科室模板已配置，请试用并反馈。"],
            ),
            is(
                &["资产报表增加“使用科室”列"],
                &["Add a “department” column to the asset report"],
                &["资产明细报表没有使用科室，每次都要手工对照，希望增加一列。"],
                &["The asset report lacks the using department; please add a column."],
                &["报表改动较小，已排入本周。"],
                &["报表已增加该列。"],
            ),
        ],
        more_zh: &["不急，月底前完成即可。", "科主任已同意。"],
        more_en: &["Not urgent."],
        ..BASE
    },
    // Client breaks after an environment change.
    Scenario {
        weight: 10,
        sev: [0, 6, 60, 34],
        work: "bug_fix",
        maint: &["adaptive"],
        issues: &[
            is(
                &["Windows更新后HIS客户端无法启动"],
                &["HIS client fails to start after Windows update"],
                &["昨晚电脑自动更新后，HIS客户端双击没有反应。"],
                &["After last night's update the HIS client does not start."],
                &["更新后缺少VC运行库，已安装。"],
                &["已适配处理，客户端可以正常启动。"],
            ),
            is(
                &["浏览器升级后物资系统打印控件失效"],
                &["Print plugin broken after browser upgrade"],
                &["浏览器自动升级后，点打印提示需要安装控件，装了还是不行。"],
                &["After the browser upgrade printing asks for a plugin that will not install."],
                &["新版浏览器禁用了旧插件，已改用厂商新版打印组件。"],
                &["已更换打印组件，可以正常打印。"],
            ),
            is(
                &["更换新电脑后电子病历插件装不上"],
                &[],
                &["今天新领的电脑，安装电子病历插件时报错。"],
                &[],
                &["新电脑为64位系统，已安装兼容版本插件。"],
                &["插件已安装，使用正常。"],
            ),
            is(
                &["电子票据平台升级后开票失败"],
                &[],
                &["财政电子票据平台升级后，开票时提示签名验证失败。"],
                &[],
                &["票据平台更换了签名证书，已更新证书。"],
                &["开票已恢复。"],
            ),
        ],
        more_zh: &["{dept}有{n}台电脑都这样。", "旧电脑上是好的。"],
        more_en: &["{n} PCs are affected."],
        ..BASE
    },
    // Interface changes demanded by outside platforms.
    Scenario {
        weight: 6,
        kinds: K_IT | K_REPRO | K_FIN,
        sev: [0, 0, 30, 70],
        work: "integration",
        maint: &["adaptive"],
        channels: [40, 10, 5, 10, 35, 0],
        acks: ACKS_REQUEST,
        issues: &[
            is(
                &["省卫健平台数据上报接口升级适配"],
                &["Adapt to the new provincial reporting API"],
                &["省平台通知下月起启用新版接口，新增{n}个必填字段。"],
                &["The provincial platform adds {n} mandatory fields next month."],
                &["已评估改造范围，与平台方约定联调时间。"],
                &["接口已按新版规范上线，首批数据上报成功。"],
            ),
            is(
                &["辅助生殖技术上报系统接口字段变更"],
                &[],
                &["辅助生殖技术管理系统要求按新规范上报周期数据。"],
                &[],
                &["测试环境联调通过，待上线。"],
                &["已上线，周期数据上报成功。"],
            ),
            is(
                &["电子健康卡接口对接", "对接区域检验结果互认平台"],
                &["Integrate with the regional lab result sharing platform"],
                &["需要与外部平台对接，接口文档已由平台方提供。"],
                &["We need to integrate with an external platform; the spec is attached."],
                &["已完成接口开发，等待平台方验收。"],
                &["对接完成，已通过平台方验收。"],
            ),
        ],
        more_zh: &["接口文档见附件。", "需在截止日期前完成联调。"],
        more_en: &["The specification is attached."],
        ..BASE
    },
    // Parameter changes.
    Scenario {
        weight: 8,
        sev: [0, 0, 15, 85],
        work: "localization",
        maint: &["adaptive"],
        channels: CH_REQUEST,
        acks: ACKS_REQUEST,
        issues: &[
            is(
                &["调整{dept}挂号号源数量", "{dept}节假日排班参数调整"],
                &["Change appointment slots for {dept}"],
                &["从下周起{dept}每个半天号源调整为{count}个。"],
                &["From next week {dept} offers {count} slots per half day."],
                &["参数已在测试环境验证。"],
                &["号源参数已调整完成。"],
            ),
            is(
                &["物资审批流程增加科主任审批节点"],
                &["Add department-head approval to requisitions"],
                &["按院里新规定，请领金额超过限额需要科主任审批。"],
                &["Requisitions above the limit now need the department head's approval."],
                &["变更已登记，计划在业务低峰期执行。"],
                &["审批流程已调整。"],
            ),
            is(
                &["修改自助机缴费超时时间"],
                &[],
                &["自助机缴费页面30秒就超时，老人来不及操作，希望改为90秒。"],
                &[],
                &["已修改{n}台自助机的超时参数。"],
                &["超时时间已改为90秒。"],
            ),
        ],
        more_zh: &["院办通知已附上。"],
        ..BASE
    },
    // Reproductive-medicine systems.
    Scenario {
        weight: 12,
        kinds: K_REPRO,
        sev: [0, 25, 55, 20],
        work: "bug_fix",
        codes: &[
            "RFID标签读取失败",
            "患者身份不匹配",
            "HTTP 500",
            "数据库连接超时",
        ],
        issues: &[
            is(
                &["胚胎实验室系统无法录入取卵记录"],
                &["IVF lab system cannot save oocyte retrieval record"],
                &["今天有{n}例取卵手术，取卵记录录入后保存失败，提示“{code}”。"],
                &["Saving the oocyte retrieval record fails with {code}."],
                &["属厂商专有系统，已联系厂商工程师远程支持。"],
                &["已恢复，请补录今天的记录。"],
            )
            .sev([5, 40, 45, 10]),
            is(
                &["{place}电子见证系统扫码报错"],
                &["Electronic witness system error {code}"],
                &["电子见证系统扫描培养皿标签时提示“{code}”。"],
                &["The electronic witness system shows {code} when scanning dish labels."],
                &["见证系统读卡器驱动异常，已重装。"],
                &["见证系统已恢复，扫码正常。"],
            )
            .sev([5, 40, 45, 10]),
            is(
                &["{place}时差培养箱数据无法同步"],
                &["Time-lapse incubator data not syncing"],
                &["时差培养箱的图像数据从{time}起没有同步到系统。"],
                &["Time-lapse incubator images stopped syncing at {time}."],
                &["培养箱导出服务账号密码过期，已更新。"],
                &["数据已同步。"],
            ),
            is(
                &["辅助生殖病历周期信息显示不全"],
                &[],
                &["周期号{pid}的患者信息在系统里显示不全。"],
                &[],
                &["数据同步任务中断，已重跑。"],
                &["信息已补全。"],
            ),
        ],
        more_zh: &[
            "按流程必须双人核对，现在只能手工登记。",
            "胚胎实验室工作不能停，请优先处理。",
        ],
        more_en: &["We have {n} retrievals today."],
        ..BASE
    },
];

// Comments that fit any ticket.

pub(crate) static ACK_ZH: &[&str] = &[
    "已收到，正在处理。",
    "已受理，工程师{min}分钟内联系您。",
    "已派单，{campus}驻场工程师将到现场处理。",
    "您好，已远程连接查看，请不要关机。",
    "收到，请问是只有这一台电脑有问题吗？",
    "已收到，马上过来。",
];
pub(crate) static ACK_EN: &[&str] = &[
    "Received, we are looking into it.",
    "An engineer will contact you within {min} minutes.",
];
/// Dispatcher acknowledgements of emergency (level 1-2) tickets.
pub(crate) static DISPATCH_ZH: &[&str] = &[
    "已按应急流程派单，并通知信息科。",
    "已电话通知值班工程师，{min}分钟内到场。",
    "已升级至二线工程师处理。",
];
pub(crate) static FOLLOW_ZH: &[&str] = &[
    "请问什么时候能处理好？病人在等。",
    "还是不行，麻烦再看一下。",
    "重启过了，问题依旧。",
    "已补充截图。",
    "{time}又出现了一次。",
    "麻烦尽快，谢谢！",
];
pub(crate) static FOLLOW_EN: &[&str] = &[
    "Still not working, please check again.",
    "Any update? Patients are waiting.",
];
pub(crate) static NOTE_ZH: &[&str] = &[
    "已联系厂商工程师，等待回复。",
    "需要现场排查，已安排明天上午巡检时处理。",
    "已在测试环境复现。",
    "已记录到服务档案。",
    "远程无法连接该电脑，改为现场处理。",
];
pub(crate) static PENDING_ZH: &[&str] = &[
    "需要厂商备件，预计{n}个工作日到货，工单暂时挂起。",
    "请提供截图和患者ID以便复现，收到后继续处理。",
    "已与科室约定{time}后停机处理，届时再操作。",
    "等待信息科审批变更。",
];
pub(crate) static PENDING_EN: &[&str] = &[
    "Waiting for vendor spare parts.",
    "Waiting for you to confirm a time for on-site work.",
];
pub(crate) static FIX_ZH: &[&str] = &[
    "已处理完毕，请确认是否正常。",
    "问题已解决，如再出现请随时报修。",
];
pub(crate) static FIX_EN: &[&str] = &[
    "Fixed, please confirm.",
    "Resolved; reopen if it happens again.",
];
pub(crate) static CONFIRM_ZH: &[&str] = &[
    "已恢复，谢谢！",
    "确认可以正常使用了。",
    "好的，问题解决了，感谢工程师。",
    "可以了，谢谢。",
];
pub(crate) static CONFIRM_EN: &[&str] = &["Works now, thanks!", "Confirmed fixed."];

// Values of the device placeholders.
pub(crate) static LABEL_PRINTERS: &[&str] = &[
    "斑马ZD888",
    "Zebra GK888t",
    "TSC TTP-244 Pro",
    "立象OS-214plus",
    "博思得G3000",
    "Zebra ZD421",
];
pub(crate) static OFFICE_PRINTERS: &[&str] = &[
    "HP LaserJet M404dn",
    "惠普M1136",
    "兄弟HL-5590DN",
    "奔图P3305DN",
    "得实DS-1930",
    "爱普生LQ-630K",
    "联想LJ2605D",
];
