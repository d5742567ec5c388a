"""The unit registry of Xingtai as the city's plans name its units.

Each entry: (name as plans write it, full legal name, code, aliases). The
registry is loaded by `python manage.py load_units`; loading twice changes
nothing. Names follow the 2023 institutional set-up; units renamed since
(the central bank branch, the financial regulator) keep the plan's name and
carry the new one as an alias, so both old and new plans resolve.
"""

from typing import NamedTuple

from departments.models import Unit


class UnitEntry(NamedTuple):
    name: str
    full_name: str
    code: str
    aliases: tuple[str, ...] = ()


MUNICIPAL = [
    UnitEntry(
        "市政府办公室", "邢台市人民政府办公室", "zhengfuban", ("市政府办", "邢台市政府办公室")
    ),
    UnitEntry(
        "市发展改革委", "邢台市发展和改革委员会", "fagai", ("市发改委", "市发展和改革委员会")
    ),
    UnitEntry("市教育局", "邢台市教育局", "jiaoyu"),
    UnitEntry("市科技局", "邢台市科学技术局", "keji", ("市科学技术局",)),
    UnitEntry("市工业和信息化局", "邢台市工业和信息化局", "gongxin", ("市工信局",)),
    UnitEntry("市公安局", "邢台市公安局", "gongan"),
    UnitEntry("市民政局", "邢台市民政局", "minzheng"),
    UnitEntry("市司法局", "邢台市司法局", "sifa"),
    UnitEntry("市财政局", "邢台市财政局", "caizheng"),
    UnitEntry(
        "市人力资源社会保障局",
        "邢台市人力资源和社会保障局",
        "renshe",
        ("市人社局", "市人力资源和社会保障局"),
    ),
    UnitEntry("市自然资源和规划局", "邢台市自然资源和规划局", "ziran", ("市自然资源规划局",)),
    UnitEntry("市生态环境局", "邢台市生态环境局", "shengtai", ("市环保局",)),
    UnitEntry(
        "市住房城乡建设局",
        "邢台市住房和城乡建设局",
        "zhujian",
        ("市住建局", "市住房和城乡建设局"),
    ),
    UnitEntry(
        "市城市管理综合行政执法局", "邢台市城市管理综合行政执法局", "chengguan", ("市城管局",)
    ),
    UnitEntry("市交通运输局", "邢台市交通运输局", "jiaotong", ("市交通局",)),
    UnitEntry("市水务局", "邢台市水务局", "shuili", ("市水利局",)),
    UnitEntry("市农业农村局", "邢台市农业农村局", "nongye", ("市农业局",)),
    UnitEntry("市商务局", "邢台市商务局", "shangwu"),
    UnitEntry(
        "市文化广电和旅游局",
        "邢台市文化广电和旅游局",
        "wenlv",
        ("市文广旅局", "市文旅局", "市文化和旅游局"),
    ),
    UnitEntry("市卫生健康委", "邢台市卫生健康委员会", "weijian", ("市卫健委", "市卫生健康委员会")),
    UnitEntry("市应急管理局", "邢台市应急管理局", "yingji", ("市应急局",)),
    UnitEntry("市审计局", "邢台市审计局", "shenji"),
    UnitEntry("市国资委", "邢台市人民政府国有资产监督管理委员会", "guozi", ("市政府国资委",)),
    UnitEntry(
        "市市场监管局",
        "邢台市市场监督管理局",
        "shichang",
        ("市市场监督管理局", "市场监管局"),
    ),
    UnitEntry("市统计局", "邢台市统计局", "tongji"),
    UnitEntry("市医疗保障局", "邢台市医疗保障局", "yibao", ("市医保局",)),
    UnitEntry("市行政审批局", "邢台市行政审批局", "shenpi", ("市审批局",)),
    UnitEntry("市数据和政务服务局", "邢台市数据和政务服务局", "zhengwu", ("市政务服务局",)),
]

COUNTIES = [
    # The 18 county-level governments: 4 districts, 2 county-level cities, 12 counties.
    UnitEntry("襄都区政府", "邢台市襄都区人民政府", "xiangdu", ("襄都区人民政府", "襄都区")),
    UnitEntry("信都区政府", "邢台市信都区人民政府", "xindu", ("信都区人民政府", "信都区")),
    UnitEntry("任泽区政府", "邢台市任泽区人民政府", "renze", ("任泽区人民政府", "任泽区")),
    UnitEntry("南和区政府", "邢台市南和区人民政府", "nanhe", ("南和区人民政府", "南和区")),
    UnitEntry("沙河市政府", "沙河市人民政府", "shahe", ("沙河市人民政府", "沙河市")),
    UnitEntry("南宫市政府", "南宫市人民政府", "nangong", ("南宫市人民政府", "南宫市")),
    UnitEntry("临城县政府", "临城县人民政府", "lincheng", ("临城县人民政府", "临城县")),
    UnitEntry("内丘县政府", "内丘县人民政府", "neiqiu", ("内丘县人民政府", "内丘县")),
    UnitEntry("柏乡县政府", "柏乡县人民政府", "baixiang", ("柏乡县人民政府", "柏乡县")),
    UnitEntry("隆尧县政府", "隆尧县人民政府", "longyao", ("隆尧县人民政府", "隆尧县")),
    UnitEntry("宁晋县政府", "宁晋县人民政府", "ningjin", ("宁晋县人民政府", "宁晋县")),
    UnitEntry("巨鹿县政府", "巨鹿县人民政府", "julu", ("巨鹿县人民政府", "巨鹿县")),
    UnitEntry("新河县政府", "新河县人民政府", "xinhe", ("新河县人民政府", "新河县")),
    UnitEntry("广宗县政府", "广宗县人民政府", "guangzong", ("广宗县人民政府", "广宗县")),
    UnitEntry("平乡县政府", "平乡县人民政府", "pingxiang", ("平乡县人民政府", "平乡县")),
    UnitEntry("威县政府", "威县人民政府", "weixian", ("威县人民政府", "威县")),
    UnitEntry("清河县政府", "清河县人民政府", "qinghe", ("清河县人民政府", "清河县")),
    UnitEntry("临西县政府", "临西县人民政府", "linxi", ("临西县人民政府", "临西县")),
]

ZONES = [
    UnitEntry(
        "开发区管委会",
        "邢台经济开发区管理委员会",
        "kaifaqu",
        ("邢台经济开发区管委会", "邢台经济开发区", "经济开发区管委会"),
    ),
    UnitEntry("邢东新区管委会", "邢东新区管理委员会", "xingdong", ("邢东新区",)),
]

EXTERNAL = [
    UnitEntry(
        "市税务局",
        "国家税务总局邢台市税务局",
        "shuiwu",
        ("邢台市税务局", "国家税务总局邢台市税务局"),
    ),
    UnitEntry(
        "人行邢台市中心支行",
        "中国人民银行邢台市中心支行",
        "renhang",
        ("人民银行邢台市中心支行", "人行邢台市分行", "中国人民银行邢台市分行"),
    ),
    UnitEntry(
        "邢台银保监分局",
        "中国银行保险监督管理委员会邢台监管分局",
        "jinrong",
        ("邢台金融监管分局", "国家金融监督管理总局邢台监管分局"),
    ),
    UnitEntry("市邮政管理局", "邢台市邮政管理局", "youzheng"),
    UnitEntry("市气象局", "邢台市气象局", "qixiang"),
    UnitEntry("邢台海关", "石家庄海关驻邢台办事处", "haiguan"),
]

PARTY = [
    UnitEntry("市委宣传部", "中共邢台市委宣传部", "xuanchuan", ("中共邢台市委宣传部",)),
    UnitEntry("市委网信办", "中共邢台市委网络安全和信息化委员会办公室", "wangxin"),
    UnitEntry("市工商联", "邢台市工商业联合会", "gongshanglian", ("市工商业联合会",)),
    UnitEntry("市总工会", "邢台市总工会", "zonggonghui"),
    UnitEntry("团市委", "共青团邢台市委员会", "tuanshiwei"),
    UnitEntry("市妇联", "邢台市妇女联合会", "fulian"),
    UnitEntry("市科协", "邢台市科学技术协会", "kexie"),
]

COUNTY_GROUP = UnitEntry(
    "各县(市、区)政府",
    "各县(市、区)人民政府",
    "counties",
    (
        "各县(市、区)人民政府",
        "各县市区政府",
        "各县市区人民政府",
        # The county governments as other cities' plans write them.
        "各县(市、区)",
        "各县区政府",
        "各县区人民政府",
        "各区县政府",
        "各区县人民政府",
        "各区、县级市",
        "各区、县级市人民政府",
    ),
)

REGISTRY: list[tuple[str, list[UnitEntry]]] = [
    (Unit.Kind.MUNICIPAL, MUNICIPAL),
    (Unit.Kind.COUNTY, COUNTIES),
    (Unit.Kind.ZONE, ZONES),
    (Unit.Kind.EXTERNAL, EXTERNAL),
    (Unit.Kind.PARTY, PARTY),
    (Unit.Kind.GROUP, [COUNTY_GROUP]),
]
