//! The fixed reference data: campuses, departments and demo users.

use serde::Serialize;

/// A campus (院区) of the hospital.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CampusSpec {
    /// Stable ascii code, e.g. `"main"`.
    pub code: &'static str,
    /// Display name in Simplified Chinese.
    pub name: &'static str,
}

/// A department (科室). `code` is globally unique; `campus` is a [`CampusSpec::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DepartmentSpec {
    /// Stable ascii code, unique across all campuses, e.g. `"main-ivf"`.
    pub code: &'static str,
    /// Display name in Simplified Chinese.
    pub name: &'static str,
    /// Code of the campus the department sits on.
    pub campus: &'static str,
}

/// A demo account. Passwords are public demo values: never use them in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UserSpec {
    /// Unique pinyin login name, e.g. `"nurse.zhang"`.
    pub username: &'static str,
    /// Chinese display name.
    pub display_name: &'static str,
    /// One of `reporter`, `engineer`, `dispatcher`, `admin`.
    pub role: &'static str,
    /// Campus the account is limited to, if any (a [`CampusSpec::code`]).
    pub campus: Option<&'static str>,
    /// Department the account belongs to, if any (a [`DepartmentSpec::code`]).
    pub department: Option<&'static str>,
    /// Demo password, at least 12 characters.
    pub password: &'static str,
}

/// Password of every demo account except `admin`.
pub const DEMO_PASSWORD: &str = "rounds-demo-2026";
/// Password of the demo `admin` account.
pub const DEMO_ADMIN_PASSWORD: &str = "rounds-admin-2026";

static CAMPUSES: [CampusSpec; 3] = [
    CampusSpec {
        code: "main",
        name: "本部院区",
    },
    CampusSpec {
        code: "east",
        name: "东院区",
    },
    CampusSpec {
        code: "north",
        name: "北院区",
    },
];

/// The three campuses of the hospital, main campus first.
pub fn campuses() -> &'static [CampusSpec] {
    &CAMPUSES
}

/// Looks a campus up by code.
pub fn campus(code: &str) -> Option<&'static CampusSpec> {
    CAMPUSES.iter().find(|c| c.code == code)
}

// Department kinds, a bit mask: which ticket scenarios fit which department.
pub(crate) const K_OPD: u16 = 1; // outpatient clinics
pub(crate) const K_WARD: u16 = 1 << 1; // inpatient wards, obstetrics
pub(crate) const K_REPRO: u16 = 1 << 2; // reproductive centre, embryology
pub(crate) const K_LAB: u16 = 1 << 3; // laboratories, medical genetics
pub(crate) const K_US: u16 = 1 << 4; // ultrasound
pub(crate) const K_PHARM: u16 = 1 << 5; // pharmacy
pub(crate) const K_FIN: u16 = 1 << 6; // finance
pub(crate) const K_OFFICE: u16 = 1 << 7; // HR, general affairs
pub(crate) const K_EQUIP: u16 = 1 << 8; // equipment and materials
pub(crate) const K_IT: u16 = 1 << 9; // hospital IT (信息科)
pub(crate) const K_CLIN: u16 = K_OPD | K_WARD | K_REPRO;
pub(crate) const K_ALL: u16 = (1 << 10) - 1;

/// What the generator knows about a department beyond its public spec.
pub(crate) struct DeptInfo {
    pub kind: u16,
    /// Location templates (see `generator::Ctx` for the placeholders).
    pub locs: &'static [&'static str],
}

macro_rules! departments {
    ($($code:literal, $name:literal, $campus:literal, $kind:expr, [$($loc:literal),+ $(,)?];)+) => {
        static DEPARTMENTS: &[DepartmentSpec] = &[
            $(DepartmentSpec { code: $code, name: $name, campus: $campus }),+
        ];
        pub(crate) static DEPT_INFO: &[DeptInfo] = &[
            $(DeptInfo { kind: $kind, locs: &[$($loc),+] }),+
        ];
    };
}

departments! {
    "main-ivf", "生殖医学中心", "main", K_REPRO,
        ["生殖中心{floor}楼护士站", "生殖中心{room}诊室", "生殖中心取卵手术室", "生殖中心B超监测室{n}号", "生殖中心候诊区"];
    "main-embryo", "胚胎实验室", "main", K_REPRO,
        ["胚胎实验室培养间", "胚胎实验室冷冻室", "胚胎实验室{n}号工作站", "胚胎实验室办公室"];
    "main-andro", "男科", "main", K_OPD,
        ["男科门诊{room}诊室", "男科精液检查室", "男科护士站"];
    "main-gyn", "妇科", "main", K_OPD,
        ["门诊楼{floor}楼妇科{room}诊室", "妇科宫腔镜室", "门诊楼{floor}楼妇科护士站"];
    "main-opd", "门诊部", "main", K_OPD,
        ["门诊楼{floor}楼护士站", "门诊楼{floor}楼分诊台", "门诊大厅挂号收费处{n}号窗口", "门诊大厅自助机区", "门诊办公室"];
    "main-ward", "住院部", "main", K_WARD,
        ["住院部{ward}护士站", "住院部{ward}医生办公室", "住院部{ward}{bed}床", "住院楼1楼出入院办理处", "住院楼{floor}楼治疗室"];
    "main-lab", "检验科", "main", K_LAB,
        ["检验科标本接收处", "检验科生化免疫室", "门诊采血处{n}号窗口", "医技楼{floor}楼检验科办公室", "检验科内分泌实验室"];
    "main-us", "超声科", "main", K_US,
        ["超声科{n}号诊室", "超声科登记台", "医技楼{floor}楼超声候诊区", "超声科报告室"];
    "main-pharm", "药剂科", "main", K_PHARM,
        ["门诊药房{n}号窗口", "住院药房", "药库", "静脉用药配置中心"];
    "main-fin", "财务科", "main", K_FIN,
        ["行政楼{floor}楼财务科", "财务科结算室", "行政楼{room}室", "住院结算处{n}号窗口"];
    "main-hr", "人事科", "main", K_OFFICE,
        ["行政楼{floor}楼人事科", "行政楼{room}室", "人事科档案室"];
    "main-equip", "设备科", "main", K_EQUIP,
        ["设备科库房", "行政楼{room}室", "设备科维修间", "物资中心二级库"];
    "main-it", "信息科", "main", K_IT,
        ["机房B-02", "机房A区{n}号机柜", "信息科办公室", "网络中心监控室", "行政楼{room}室"];
    "east-obs", "产科", "east", K_WARD,
        ["住院楼{floor}楼产科护士站", "产房", "产科门诊{room}诊室", "产科{ward}护士站", "胎心监护室"];
    "east-opd", "门诊部", "east", K_OPD,
        ["门诊楼{floor}楼护士站", "门诊大厅挂号收费处{n}号窗口", "门诊大厅自助机区", "门诊楼{floor}楼分诊台"];
    "east-lab", "检验科", "east", K_LAB,
        ["检验科标本接收处", "门诊采血处", "检验科免疫室"];
    "east-ward", "住院部", "east", K_WARD,
        ["住院部{ward}护士站", "住院部{ward}医生办公室", "住院部{ward}{bed}床", "出入院办理处"];
    "east-gen", "总务科", "east", K_OFFICE,
        ["后勤楼{room}室", "总务科办公室", "配电房值班室"];
    "north-genetics", "医学遗传科", "north", K_LAB,
        ["遗传咨询{n}号诊室", "细胞遗传实验室", "分子遗传实验室", "医技楼{floor}楼遗传科办公室"];
    "north-opd", "门诊部", "north", K_OPD,
        ["门诊楼{floor}楼护士站", "门诊大厅收费处{n}号窗口", "门诊大厅自助机区", "门诊楼{floor}楼{room}诊室"];
    "north-us", "超声科", "north", K_US,
        ["超声科{n}号诊室", "超声科登记台", "超声科报告室"];
    "north-pharm", "药剂科", "north", K_PHARM,
        ["门诊药房{n}号窗口", "药库", "中药房"];
    "north-gen", "总务科", "north", K_OFFICE,
        ["后勤楼{room}室", "总务科办公室", "职工食堂收银处"];
}

/// All departments, grouped by campus (main, east, north).
pub fn departments() -> &'static [DepartmentSpec] {
    DEPARTMENTS
}

/// Looks a department up by code.
pub fn department(code: &str) -> Option<&'static DepartmentSpec> {
    DEPARTMENTS.iter().find(|d| d.code == code)
}

static USERS: &[UserSpec] = &[
    UserSpec {
        username: "admin",
        display_name: "系统管理员",
        role: "admin",
        campus: None,
        department: Some("main-it"),
        password: DEMO_ADMIN_PASSWORD,
    },
    // Service desk: dispatchers see every campus.
    user("dispatch.wang", "王静", "dispatcher", None, None),
    user("dispatch.liu", "刘洋", "dispatcher", None, None),
    // Vendor engineers: two roam, three are stationed on one campus.
    user("eng.chen", "陈浩", "engineer", None, None),
    user("eng.sun", "孙鹏", "engineer", None, None),
    user("eng.li", "李强", "engineer", Some("main"), None),
    user("eng.zhou", "周磊", "engineer", Some("east"), None),
    user("eng.wu", "吴涛", "engineer", Some("north"), None),
    // Department staff who report problems.
    user(
        "nurse.zhang",
        "张丽",
        "reporter",
        Some("main"),
        Some("main-ward"),
    ),
    user(
        "doctor.li",
        "李娜",
        "reporter",
        Some("main"),
        Some("main-ivf"),
    ),
    user(
        "embryo.qian",
        "钱晓燕",
        "reporter",
        Some("main"),
        Some("main-embryo"),
    ),
    user(
        "lab.zhao",
        "赵敏",
        "reporter",
        Some("main"),
        Some("main-lab"),
    ),
    user(
        "finance.huang",
        "黄芳",
        "reporter",
        Some("main"),
        Some("main-fin"),
    ),
    user("hr.xu", "徐婷", "reporter", Some("main"), Some("main-hr")),
    user(
        "equip.ma",
        "马建国",
        "reporter",
        Some("main"),
        Some("main-equip"),
    ),
    user("it.lin", "林峰", "reporter", Some("main"), Some("main-it")),
    user(
        "nurse.he",
        "何琳",
        "reporter",
        Some("east"),
        Some("east-obs"),
    ),
    user(
        "clerk.yang",
        "杨帆",
        "reporter",
        Some("east"),
        Some("east-opd"),
    ),
    user(
        "doctor.song",
        "宋佳",
        "reporter",
        Some("north"),
        Some("north-genetics"),
    ),
    user(
        "pharm.guo",
        "郭静",
        "reporter",
        Some("north"),
        Some("north-pharm"),
    ),
];

const fn user(
    username: &'static str,
    display_name: &'static str,
    role: &'static str,
    campus: Option<&'static str>,
    department: Option<&'static str>,
) -> UserSpec {
    UserSpec {
        username,
        display_name,
        role,
        campus,
        department,
        password: DEMO_PASSWORD,
    }
}

/// Demo accounts: one `admin`, two dispatchers, five engineers (three limited to a campus)
/// and reporters in several departments on every campus.
pub fn demo_users() -> &'static [UserSpec] {
    USERS
}
