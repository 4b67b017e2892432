"""Write a synthetic register shaped like a real one, for benchmarks.

    python bench/corpus.py OUT_DIR [--announcements 10000] [--seed 2026] [--check]

OUT_DIR becomes a content folder (site.yaml, standards/, entities/, certifications/,
pages/) that `certsite build --content OUT_DIR` accepts; it must be empty or missing.
``--check`` runs `certsite check` on it afterwards.

What it holds, for N announcements (figures for N = 10,000 in brackets):

- entities with 1 to 6 announcements each (about N / 2.8: [3,600]), in 24 countries,
  named in Latin script with and without accents, in Chinese, Japanese, Cyrillic,
  Greek and Arabic (about one in six names is not in Latin script); every name in
  another script has an ``entity_slug``; about a third of the entities have a profile
  (``entities/<slug>.yaml``) with other names in other scripts, a website and a
  description; a few renamed themselves between announcements;
- two standards organised in principles, with ``validity_months``: a Performance
  Standard (11 principles, 62 criteria) and a Chain of Custody Standard (9
  principles, 30 criteria);
- announcements dated 2016 to 2026, more each year, a few after the build date
  (embargoed); about three in ten certify against both standards; renewals three
  years apart, scope extensions, and suspensions and withdrawals announced as new
  announcements; 0 to 12 minor findings per certification with clause lists
  (``1.3a-e``, ``2.1a,c-d``), rare majors with a provisional status; some
  certificate numbers, validity dates and report addresses; some drafts and some
  earlier addresses (``aliases``);
- Markdown bodies of 260 to 600 words, like the press releases in the bundled
  register: headings, paragraphs, bulleted and numbered lists, a findings table or
  list, a quotation, links and bare addresses.

The same N and seed give byte-identical files; each entity draws from a random
generator seeded by the seed and its number, so a corpus of N announcements is the
first part of a larger one with the same seed (apart from the last entity).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2026, 11, 24)  # the build date the benchmark uses; a few announcements come after it
FIRST_YEAR = 2016
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = AS_OF - timedelta(days=4)  # the newest announcement, apart from the embargoed ones
EMBARGOED_SHARE = 0.01  # of entities, whose newest announcement is dated after AS_OF
MIN_GAP_DAYS = 30
CURRENT_VERSIONS_FROM = date(2022, 5, 1)  # when the standards' current versions were launched
DEFAULT_SEED = 2026

# --------------------------------------------------------------------------------------
# Standards. Criterion titles are written for this benchmark (they read like a
# sustainability standard's, but are not any standard's text).

PERFORMANCE = ("asi-ps-v3", "ASI Performance Standard", "V3", [
    (1, "Business Integrity", ["Legal Compliance", "Anti-Corruption", "Code of Conduct", "Sanctions and Export Controls", "Speaking Up and Protection of Whistleblowers"]),
    (2, "Policy and Management", ["Environmental, Social and Governance Policy", "Management Systems", "Risk and Impact Assessment", "Supply Chain Due Diligence", "Mine Closure and Decommissioning", "Competence and Training"]),
    (3, "Transparency", ["Sustainability Reporting", "Non-compliance and Liabilities", "Complaints and Grievance Handling", "Payments to Governments"]),
    (4, "Material Stewardship", ["Environmental Life Cycle Assessment", "Product Design for Circularity", "Aluminium Process Scrap", "Post-Consumer Scrap", "Material Efficiency"]),
    (5, "Greenhouse Gas Emissions", ["Disclosure of GHG Emissions and Energy Use", "Aluminium Smelter GHG Emissions Intensity", "GHG Emissions Reduction Plans", "Climate Change Adaptation", "Renewable Energy Sourcing", "Perfluorocarbon Emissions"]),
    (6, "Emissions, Effluents and Waste", ["Emissions to Air", "Discharges to Water", "Spills and Leaks", "Fluoride Emissions", "Waste Management and Reporting", "Bauxite Residue", "Spent Pot Lining", "Dross and Salt Slag"]),
    (7, "Water Stewardship", ["Water Assessment", "Water Use and Disclosure", "Catchment Engagement", "Water Quality Monitoring"]),
    (8, "Biodiversity and Ecosystem Services", ["Biodiversity Assessment", "Protected Areas and World Heritage", "Mitigation Hierarchy", "Invasive Species", "Ecosystem Services", "Mine Rehabilitation"]),
    (9, "Human Rights", ["Human Rights Due Diligence", "Gender Equality and Women's Empowerment", "Indigenous Peoples", "Free, Prior and Informed Consent", "Cultural and Sacred Heritage", "Resettlement", "Affected Populations and Organisations", "Conflict-Affected and High-Risk Areas", "Security Practice"]),
    (10, "Labour Rights", ["Freedom of Association and Collective Bargaining", "Child Labour", "Forced Labour", "Non-Discrimination", "Working Hours and Remuneration"]),
    (11, "Occupational Health and Safety", ["OH&S Management System", "Hazard Identification and Risk Assessment", "Worker Consultation and Participation", "Emergency Preparedness and Response"]),
])
CHAIN_OF_CUSTODY = ("asi-coc-v2", "ASI Chain of Custody Standard", "V2", [
    (1, "General Requirements", ["Management System", "Legal Compliance", "CoC Policy", "Responsibilities and Resources", "Communications and Training", "Records Management"]),
    (2, "Material Control", ["Receipt of Material", "Segregation of CoC Material", "Identification of CoC Material"]),
    (3, "Mass Balance", ["Material Accounting Period", "Credit Allocation", "Overdraw of Credits", "Conversion Factors"]),
    (4, "Outsourcing", ["Outsourcing Agreements", "Outsourced Processing Records", "Outsourcing Controls"]),
    (5, "Responsible Sourcing", ["Due Diligence for Bauxite and Alumina", "Conflict-Affected and High-Risk Areas", "Sanctioned Sources"]),
    (6, "Scrap and Recycled Input", ["Pre-Consumer Scrap Verification", "Post-Consumer Scrap Verification", "Scrap Supplier Declarations"]),
    (7, "CoC Documents", ["Issuing CoC Documents", "Content of CoC Documents", "Receiving CoC Documents"]),
    (8, "Claims", ["Use of the ASI Logo", "Product Claims", "Internal Overdraw"]),
    (9, "Verification", ["Internal Audit", "Verification of Supplier's ASI CoC Certification"]),
])
STANDARDS = (PERFORMANCE, CHAIN_OF_CUSTODY)
STANDARD_PHRASES = {
    "asi-ps-v3": ("Performance Standard", ["V3 (2022)", "V3.1 (2023)"]),
    "asi-coc-v2": ("Chain of Custody Standard", ["V2 (2022)", "V2.1 (2023)"]),
}


def criteria_of(standard: tuple) -> list[tuple[str, str]]:
    return [(f"{number}.{index}", title) for number, _, titles in standard[3] for index, title in enumerate(titles, 1)]


CRITERIA = {standard[0]: criteria_of(standard) for standard in STANDARDS}
CRITERION_TITLES = {sid: dict(items) for sid, items in CRITERIA.items()}

# --------------------------------------------------------------------------------------
# Places and names. Weights make some countries much commoner, as in a real register.


@dataclass(frozen=True)
class Country:
    code: str
    weight: int
    places: tuple[tuple[str, str], ...]  # (city, region)
    brands: tuple[str, ...]  # first words of company names, in Latin script
    suffixes: tuple[str, ...]  # legal forms
    script: str = "latin"  # how some of its names are written: latin, han, kana, cyrillic, greek, arabic
    people: tuple[tuple[str, ...], tuple[str, ...]] = (("Anna", "Peter", "Maria", "Lukas"), ("Berg", "Larsen", "Weber", "Costa"))


COUNTRIES = (
    Country("CN", 22, (("Baotou", "Inner Mongolia"), ("Zouping", "Shandong"), ("Binzhou", "Shandong"), ("Wenshan", "Yunnan"), ("Baise", "Guangxi"), ("Xining", "Qinghai"), ("Zhongwei", "Ningxia"), ("Foshan", "Guangdong"), ("Chongqing", ""), ("Huolinguole", "Inner Mongolia"), ("Changzhou", "Jiangsu"), ("Luoyang", "Henan")),
            ("Hongyuan", "Jinding", "Huarui", "Ruifeng", "Hengtong", "Xinsheng", "Yongxing", "Taihe", "Jiahua", "Tianyuan", "Changlong", "Fuyuan", "Mingtai", "Dongxing", "Zhongfu", "Weiqiao", "Nanshan", "Xinfa", "Jinlian", "Shenhuo", "Qiya", "Longmen", "Baihe", "Lizhong"),
            ("Co., Ltd.", "Group Co., Ltd.", "New Material Co., Ltd.", "Technology Co., Ltd."), "han",
            (("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang"), ("Wei", "Fang", "Jun", "Lei", "Min", "Xiu Ying", "Hao", "Jing"))),
    Country("AU", 5, (("Gladstone", "Queensland"), ("Bunbury", "Western Australia"), ("Portland", "Victoria"), ("Bell Bay", "Tasmania"), ("Weipa", "Queensland")),
            ("Pilbara", "Kimberley", "Tasman", "Ironbark", "Coral Coast", "Capricorn", "Southern Cross", "Boyne"), ("Pty Ltd", "Limited"), "latin",
            (("Olivia", "Jack", "Charlotte", "Liam", "Amelia"), ("Smith", "Nguyen", "Taylor", "Brown", "O'Connor"))),
    Country("CA", 5, (("Saguenay", "Québec"), ("Kitimat", "British Columbia"), ("Bécancour", "Québec"), ("Baie-Comeau", "Québec"), ("Alma", "Québec")),
            ("Laurentide", "Saguenay", "Boréal", "Northstar", "Kitimat", "Manicouagan", "Mistassini", "Chicoutimi"), ("Inc.", "Ltd.", "S.E.C."), "latin",
            (("Émilie", "Jean-François", "Sophie", "Mathieu", "Chloé"), ("Tremblay", "Gagnon", "Côté", "Bouchard", "Lévesque"))),
    Country("NO", 5, (("Høyanger", "Vestland"), ("Sunndalsøra", "Møre og Romsdal"), ("Mosjøen", "Nordland"), ("Årdal", "Vestland"), ("Karmøy", "Rogaland"), ("Husnes", "Vestland")),
            ("Fjordal", "Nordkapp", "Vestlandet", "Høyfjell", "Sørlandet", "Ålesund", "Tønsberg", "Bjørkli"), ("AS", "ASA"), "latin",
            (("Ingrid", "Lars", "Kari", "Ole", "Solveig"), ("Hansen", "Johansen", "Ødegård", "Bakke", "Sæther"))),
    Country("IS", 2, (("Reyðarfjörður", "Austurland"), ("Hafnarfjörður", "Höfuðborgarsvæðið"), ("Grundartangi", "Vesturland")),
            ("Norðurljós", "Hekla", "Esja", "Reyðar", "Þingvellir"), ("ehf.", "hf."), "latin",
            (("Guðrún", "Sigurður", "Þóra", "Jón"), ("Jónsdóttir", "Ólafsson", "Sigurðardóttir", "Einarsson"))),
    Country("DE", 7, (("Hamburg", "Hamburg"), ("Neuss", "Nordrhein-Westfalen"), ("Singen", "Baden-Württemberg"), ("Grevenbroich", "Nordrhein-Westfalen"), ("Essen", "Nordrhein-Westfalen"), ("Göttingen", "Niedersachsen")),
            ("Rheintal", "Elbtal", "Hansa", "Bergland", "Isartal", "Moselwerk", "Schwarzwald", "Weserhütte", "Lahnstein", "Münsterland"), ("GmbH", "AG", "GmbH & Co. KG"), "latin",
            (("Jürgen", "Sabine", "Matthias", "Katrin", "Jörg"), ("Müller", "Schröder", "Weiß", "Becker", "Groß"))),
    Country("BR", 4, (("São Luís", "Maranhão"), ("Barcarena", "Pará"), ("Poços de Caldas", "Minas Gerais"), ("Alumínio", "São Paulo"), ("Paragominas", "Pará")),
            ("Itaúna", "Paraná", "Amazônia", "Tocantins", "Serra Dourada", "Carajás", "Jacareí"), ("S.A.", "Ltda."), "latin",
            (("João", "Ana", "Luís", "Fernanda", "Sebastião"), ("Gonçalves", "Araújo", "Conceição", "Simões", "Magalhães"))),
    Country("IN", 6, (("Renukoot", "Uttar Pradesh"), ("Jharsuguda", "Odisha"), ("Angul", "Odisha"), ("Korba", "Chhattisgarh"), ("Silvassa", "Dadra and Nagar Haveli"), ("Belagavi", "Karnataka")),
            ("Sahyadri", "Narmada", "Kaveri", "Vindhya", "Mahanadi", "Godavari", "Satpura", "Aravalli"), ("Limited", "Pvt. Ltd."), "latin",
            (("Priya", "Rahul", "Ananya", "Vikram", "Deepa"), ("Sharma", "Iyer", "Patel", "Reddy", "Banerjee"))),
    Country("AE", 3, (("Abu Dhabi", "Abu Dhabi"), ("Jebel Ali", "Dubai"), ("Khalifa Port", "Abu Dhabi")),
            ("Al Noor", "Gulf Star", "Al Taweelah", "Falcon", "Al Reem", "Emirates Crescent"), ("PJSC", "LLC"), "arabic",
            (("Fatima", "Ahmed", "Mariam", "Khalid"), ("Al Mansoori", "Al Suwaidi", "Al Hammadi", "Al Ketbi"))),
    Country("BH", 1, (("Askar", "Southern Governorate"), ("Sitra", "Capital Governorate")),
            ("Dilmun", "Awal", "Sitra Gulf"), ("B.S.C.", "W.L.L."), "arabic",
            (("Noora", "Hamad", "Layla"), ("Al Khalifa", "Al Sayed", "Janahi"))),
    Country("RU", 2, (("Sayanogorsk", "Khakassia"), ("Krasnoyarsk", "Krasnoyarsk Krai"), ("Bratsk", "Irkutsk Oblast")),
            ("Sayan", "Yenisei", "Angara", "Taiga", "Baikal"), ("JSC", "LLC"), "cyrillic",
            (("Olga", "Dmitry", "Irina", "Sergei"), ("Ivanova", "Petrov", "Sokolova", "Kuznetsov"))),
    Country("KZ", 1, (("Pavlodar", "Pavlodar Region"), ("Ekibastuz", "Pavlodar Region")),
            ("Irtysh", "Steppe", "Ertis"), ("JSC", "LLP"), "cyrillic",
            (("Aigerim", "Nurlan", "Dana"), ("Abenova", "Zhakupov", "Seitkali"))),
    Country("GR", 1, (("Agios Nikolaos", "Central Greece"), ("Oinofyta", "Central Greece"), ("Thessaloniki", "Central Macedonia")),
            ("Aegean", "Olympus", "Boeotia", "Parnassos"), ("S.A.", "A.E."), "greek",
            (("Eleni", "Giorgos", "Katerina", "Nikos"), ("Papadopoulou", "Georgiou", "Nikolaidis", "Karagianni"))),
    Country("JP", 3, (("Shizuoka", "Shizuoka"), ("Oyama", "Tochigi"), ("Nagoya", "Aichi"), ("Fukaya", "Saitama")),
            ("Nichirin", "Tōkai", "Kamome", "Sakura", "Fujiyama", "Hokuriku"), ("Co., Ltd.", "Corporation"), "kana",
            (("Yuki", "Haruto", "Aiko", "Kenji"), ("Satō", "Suzuki", "Takahashi", "Watanabe"))),
    Country("FR", 3, (("Dunkerque", "Hauts-de-France"), ("Issoire", "Auvergne-Rhône-Alpes"), ("Saint-Jean-de-Maurienne", "Auvergne-Rhône-Alpes"), ("Gardanne", "Provence-Alpes-Côte d'Azur")),
            ("Maurienne", "Côte d'Opale", "Arvernes", "Rhône-Alpin", "Écrins"), ("SAS", "S.A."), "latin",
            (("Amélie", "François", "Hélène", "Benoît"), ("Lefèvre", "Moreau", "Girard", "Chevalier"))),
    Country("ES", 1, (("San Cibrao", "Galicia"), ("Avilés", "Asturias"), ("Alicante", "Comunidad Valenciana")),
            ("Cantábrico", "Galaica", "Levante", "Ibérica"), ("S.L.", "S.A."), "latin",
            (("Lucía", "Andrés", "Begoña"), ("Núñez", "Muñoz", "Fernández"))),
    Country("US", 4, (("Hawesville", "Kentucky"), ("Massena", "New York"), ("Alcoa", "Tennessee"), ("Davenport", "Iowa"), ("Lewisport", "Kentucky")),
            ("Ohio Valley", "Cumberland", "Great Lakes", "Appalachian", "Mississippi", "Keystone", "Evergreen"), ("Inc.", "LLC", "Corporation"), "latin",
            (("Emily", "Michael", "Sarah", "David"), ("Johnson", "Williams", "Martinez", "Anderson"))),
    Country("MY", 2, (("Samalaju", "Sarawak"), ("Bukit Raja", "Selangor")),
            ("Rajang", "Borneo", "Kinabalu", "Selangor"), ("Sdn. Bhd.", "Berhad"), "latin",
            (("Siti", "Ahmad", "Mei Ling"), ("Abdullah", "Tan", "Rahman"))),
    Country("ZA", 1, (("Richards Bay", "KwaZulu-Natal"), ("Pietermaritzburg", "KwaZulu-Natal")),
            ("Zululand", "Umhlathuze", "Drakensberg"), ("(Pty) Ltd",), "latin",
            (("Thandiwe", "Sipho", "Anneke"), ("Dlamini", "Nkosi", "van der Merwe"))),
    Country("GN", 1, (("Boké", "Boké"), ("Kamsar", "Boké"), ("Fria", "Kindia")),
            ("Sangarédi", "Tinguilinta", "Kakandé"), ("SA", "SARL"), "latin",
            (("Mariama", "Ibrahima", "Fatoumata"), ("Diallo", "Camara", "Soumah"))),
    Country("VN", 1, (("Đắk Nông", "Đắk Nông"), ("Hải Phòng", "Hải Phòng")),
            ("Tây Nguyên", "Sông Hồng", "Đông Á"), ("JSC", "Co., Ltd."), "latin",
            (("Nguyễn", "Trần", "Lê"), ("Thị Hoa", "Văn Minh", "Đức Anh"))),
    Country("TR", 2, (("Seydişehir", "Konya"), ("Dilovası", "Kocaeli"), ("Kayseri", "Kayseri")),
            ("Anadolu", "Toros", "Ege", "Karadeniz"), ("A.Ş.", "San. ve Tic. A.Ş."), "latin",
            (("Ayşe", "Mehmet", "Elif", "Çağrı"), ("Yılmaz", "Öztürk", "Şahin", "Doğan"))),
    Country("IT", 2, (("Portovesme", "Sardegna"), ("Brescia", "Lombardia"), ("Bolzano", "Trentino-Alto Adige")),
            ("Sulcis", "Valcamonica", "Dolomiti", "Padana"), ("S.p.A.", "S.r.l."), "latin",
            (("Giulia", "Marco", "Chiara", "Niccolò"), ("Rossi", "Bianchi", "Galli", "De Luca"))),
    Country("NZ", 1, (("Tiwai Point", "Southland"), ("Invercargill", "Southland")),
            ("Southland", "Aoraki", "Foveaux"), ("Limited",), "latin",
            (("Aroha", "James", "Mere"), ("Ngata", "Wilson", "Parata"))),
)
COUNTRY_WEIGHTS = [c.weight for c in COUNTRIES]

SECTOR_WORDS = ("Aluminium", "Aluminum", "Alloys", "Light Metals", "Extrusions", "Rolling", "Smelting", "Alumina", "Bauxite", "Metals", "Foil", "Castings", "Profiles", "Packaging", "Recycling")
CONNECTORS = ("", "", "", "Nova", "United", "Coastal", "Northern", "Southern", "Eastern", "Western", "Pacific", "Continental", "Premier", "General")

# Names in other scripts, composed from parts; the Latin-script name stays in profiles.
HAN_PLACES = ("包头", "邹平", "滨州", "文山", "百色", "西宁", "中卫", "佛山", "重庆", "霍林郭勒", "常州", "洛阳")
HAN_BRANDS = ("宏远", "金鼎", "华瑞", "瑞丰", "恒通", "鑫盛", "永兴", "泰和", "嘉华", "天元", "昌隆", "富源", "明泰", "东兴", "中孚", "魏桥", "南山", "信发", "金联", "神火")
HAN_TAILS = ("铝业有限公司", "铝业集团有限公司", "新材料有限公司", "铝材有限公司", "轻合金股份有限公司", "金属科技有限公司")
KANA_BRANDS = ("日輪", "東海", "かもめ", "さくら", "富士山", "北陸")
KANA_TAILS = ("アルミ株式会社", "アルミニウム工業株式会社", "軽金属株式会社", "アルミ箔株式会社")
CYRILLIC_BRANDS = {"Sayan": "Саян", "Yenisei": "Енисей", "Angara": "Ангара", "Taiga": "Тайга", "Baikal": "Байкал", "Irtysh": "Иртыш", "Steppe": "Степь", "Ertis": "Ертіс"}
CYRILLIC_TAILS = ("Алюминий", "Металл", "Фольга", "Литьё")
GREEK_BRANDS = {"Aegean": "Αιγαίο", "Olympus": "Όλυμπος", "Boeotia": "Βοιωτία", "Parnassos": "Παρνασσός"}
GREEK_TAILS = ("Αλουμίνιο Α.Ε.", "Μέταλλα Α.Ε.", "Διελάσεις Α.Ε.")
ARABIC_TAILS = ("شركة {} للألمنيوم", "{} للمعادن الخفيفة", "مصنع {} للألمنيوم")
ARABIC_BRANDS = {"Al Noor": "النور", "Gulf Star": "نجمة الخليج", "Al Taweelah": "الطويلة", "Falcon": "الصقر", "Al Reem": "الريم", "Emirates Crescent": "هلال الإمارات", "Dilmun": "دلمون", "Awal": "أوال", "Sitra Gulf": "خليج سترة"}

GROUPS = ("Continental Metals Group", "Aluminium Corporation of China (Chalco)", "Nordic Light Metals Holding", "Pacific Rim Aluminium plc", "Trans-Andean Metals", "Hengtong Holdings", "Rheinmetall-Werke Beteiligungen", "Southern Cross Resources", "Gulf Aluminium Holding", "Laurentian Metals Corporation", "Vindhya Industries", "Ohio Valley Holdings", "Sakura Heavy Industries", "Aegean Industrial Group", "Ibérica de Metales", "Toros Holding A.Ş.")

AUDITORS = ("Bureau Veritas Certification", "SGS-CSTC Standards Technical Services", "DNV Business Assurance", "TÜV SÜD", "Intertek Certification", "Control Union Certifications", "LRQA", "ERM Certification and Verification Services", "Kiwa Nederland")

ACTIVITIES = {
    "bauxite mining": ("bauxite",),
    "alumina refining": ("smelter grade alumina", "hydrate"),
    "aluminium smelting": ("liquid aluminium", "aluminium ingot", "high purity aluminium", "primary foundry alloy"),
    "casting": ("extrusion billet", "rolling slab", "sheet ingot", "wire rod", "T-bar"),
    "remelting": ("secondary alloys", "recycled ingot"),
    "extrusion": ("aluminium profiles", "architectural systems", "automotive extrusions", "heat sinks"),
    "rolling": ("aluminium sheet", "coil", "can body stock", "automotive sheet", "plate"),
    "foil rolling": ("household foil", "container foil", "battery foil", "converter foil"),
    "anode production": ("prebaked anodes",),
    "recycling": ("recycled aluminium", "deoxidisers", "remelt secondary ingot"),
    "material conversion": ("beverage cans", "closures", "battery housings", "window systems", "cable"),
}
# Which activities go together, as a company's operations.
OPERATIONS = (
    ("bauxite mining",), ("bauxite mining", "alumina refining"), ("alumina refining",),
    ("aluminium smelting", "casting"), ("aluminium smelting", "anode production", "casting"), ("casting", "remelting"),
    ("extrusion",), ("casting", "extrusion"), ("rolling",), ("rolling", "foil rolling"), ("foil rolling",),
    ("recycling", "remelting"), ("material conversion",), ("rolling", "material conversion"), ("extrusion", "material conversion"),
)
SECTORS = ("automotive", "aerospace", "construction", "packaging", "electrical", "electronics", "rail", "marine", "consumer durables", "renewable energy", "machinery", "defence")

# --------------------------------------------------------------------------------------
# The model the announcements are written from.


@dataclass
class Entity:
    number: int
    slug: str
    name: str  # the name announcements use (Latin script, or another script for some)
    latin_name: str  # the name in Latin script
    other_names: list[str]  # names in other scripts, for the profile
    country: Country
    city: str
    region: str
    group: str | None
    operations: tuple[str, ...]
    facilities: list[str]
    capacity: str | None
    auditor: str
    contact: tuple[str, str]  # (person, role)
    profile: bool
    website: str | None
    renamed_to: str | None = None  # a later name used by its newer announcements
    announcements: list[Announcement] = field(default_factory=list)


@dataclass
class Certification:
    standard: str
    edition: str | None
    auditor: str
    status: str
    scope: str | None
    certificate: str | None
    valid_from: date | None
    valid_until: date | None
    report: str | None
    minor: list[str]
    major: list[str]


@dataclass
class Announcement:
    entity: Entity
    day: date
    kind: str  # first, renewal, extension, suspension, withdrawal, reinstatement
    name: str
    certifications: list[Certification]
    facilities: list[str]
    summary: str | None = None
    draft: bool = False
    aliases: list[str] = field(default_factory=list)
    stem: str = ""


def fold(text: str) -> str:
    """ASCII letters and digits joined by hyphens (the slug an editor would write)."""
    text = text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("Þ", "Th").replace("þ", "th").replace("ð", "d").replace("Đ", "D").replace("đ", "d").replace("ı", "i").replace("ß", "ss")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def weighted_count(rng: random.Random) -> int:
    """Announcements of one entity: 1 to 6, most have one or two."""
    return rng.choices((1, 2, 3, 4, 5, 6), weights=(30, 26, 18, 12, 8, 6))[0]


def other_script_name(rng: random.Random, country: Country, brand: str, city_index: int) -> str | None:
    if country.script == "han":
        return HAN_PLACES[city_index % len(HAN_PLACES)] + rng.choice(HAN_BRANDS) + rng.choice(HAN_TAILS)
    if country.script == "kana":
        return rng.choice(KANA_BRANDS) + rng.choice(KANA_TAILS)
    if country.script == "cyrillic":
        return f"АО «{CYRILLIC_BRANDS.get(brand, 'Сибирь')} {rng.choice(CYRILLIC_TAILS)}»"
    if country.script == "greek":
        return f"{GREEK_BRANDS.get(brand, 'Ελλάς')} {rng.choice(GREEK_TAILS)}"
    if country.script == "arabic":
        return rng.choice(ARABIC_TAILS).format(ARABIC_BRANDS.get(brand, "الخليج"))
    return None


def make_entity(seed: int, number: int, taken: set[str]) -> Entity:
    rng = random.Random(f"{seed}:entity:{number}")
    country = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
    city_index = rng.randrange(len(country.places))
    city, region = country.places[city_index]
    brand = rng.choice(country.brands)
    connector = rng.choice(CONNECTORS)
    operations = rng.choice(OPERATIONS)
    sector = rng.choice(SECTOR_WORDS)
    words = [brand, connector, sector] if connector else [brand, sector]
    suffix = rng.choice(country.suffixes)
    latin = " ".join(words) + " " + suffix
    slug = fold(latin)
    extra = 2
    while slug in taken:  # another company already has this name: tell them apart by place, then number
        latin = " ".join([brand, city if extra == 2 else f"{city} {extra}", sector]) + " " + suffix
        slug = fold(latin)
        extra += 1
    taken.add(slug)
    foreign = other_script_name(rng, country, brand, city_index)
    # Most companies announce under their Latin-script name; some only under their own script's.
    name = foreign if foreign and rng.random() < (0.45 if country.script == "han" else 0.25) else latin
    other_names = [n for n in (foreign,) if n and n != name]
    if name != latin:
        other_names.insert(0, latin)
    short = " ".join(words)
    if rng.random() < 0.3:
        other_names.append(short)  # the short form a press release uses
    people_first, people_last = country.people
    person = f"{rng.choice(people_first)} {rng.choice(people_last)}"
    role = rng.choice(("General Manager", "Chief Executive Officer", "Head of Sustainability", "Plant Manager", "Managing Director", "Vice President, Operations"))
    facilities = [latin if rng.random() < 0.5 else f"{short} {city} {rng.choice(('plant', 'works', 'smelter', 'mill', 'site'))}"]
    if rng.random() < 0.3:
        facilities.append(f"{short} {rng.choice(('casthouse', 'anode plant', 'port terminal', 'recycling centre', 'finishing line'))}")
    capacity = None
    if rng.random() < 0.75:
        amount = rng.choice((12, 25, 40, 60, 85, 120, 180, 250, 350, 500, 680, 850, 1_000, 1_300, 2_000))
        product = ACTIVITIES[operations[-1]][0]
        capacity = f"{amount:,} thousand tonnes of {product} a year" if amount < 1_000 else f"{amount / 1000:g} million tonnes of {product} a year"
    entity = Entity(
        number=number, slug=slug, name=name, latin_name=latin, other_names=other_names, country=country,
        city=city, region=region, group=rng.choice(GROUPS) if rng.random() < 0.3 else None, operations=operations,
        facilities=facilities, capacity=capacity, auditor=rng.choice(AUDITORS), contact=(person, role),
        profile=rng.random() < 0.33 or name != latin, website=f"https://www.{slug[:40].strip('-')}.example/" if rng.random() < 0.5 else None,
    )
    if rng.random() < 0.03:
        entity.renamed_to = f"{brand} {rng.choice(('Green', 'Circular', 'Advanced'))} {sector} {suffix}"
        entity.profile = True  # a renamed company lists its names, so that check does not warn
    return entity


# --------------------------------------------------------------------------------------
# Announcements of one entity: a history over the years.


def start_date(rng: random.Random) -> date:
    """More announcements each year, as a register grows."""
    years = list(range(FIRST_YEAR, LAST_DAY.year + 1))
    year = rng.choices(years, weights=[y - FIRST_YEAR + 2 for y in years])[0]
    return min(LAST_DAY, date(year, 1, 1) + timedelta(days=rng.randrange(365)))


def clause_list(rng: random.Random) -> str:
    """The clauses of one finding: none, one letter, a range or a list."""
    shape = rng.random()
    if shape < 0.35:
        return ""
    if shape < 0.6:
        return rng.choice("abcdefgh")
    if shape < 0.9:
        first = rng.randrange(0, 5)
        return f"{'abcdefgh'[first]}-{'abcdefgh'[first + rng.randint(1, 3)]}"
    return f"{rng.choice('ab')},{rng.choice('cd')}-{rng.choice('ef')}"


def criterion_of(ref: str) -> str:
    return re.match(r"[0-9]+[.][0-9]+", ref).group()


def draw_findings(rng: random.Random, standard: str, most: int) -> list[str]:
    count = min(most, rng.choices(range(13), weights=(22, 14, 12, 10, 9, 8, 6, 5, 4, 3, 3, 2, 2))[0])
    chosen = sorted(rng.sample(range(len(CRITERIA[standard])), count))
    return [CRITERIA[standard][index][0] + clause_list(rng) for index in chosen]


class Numbers:
    """Certificate numbers, unique per standard across the register."""

    def __init__(self) -> None:
        self.next: dict[tuple[str, int], int] = {}

    def issue(self, standard: str, year: int) -> str:
        key = (standard, year)
        self.next[key] = self.next.get(key, 0) + 1
        prefix = "ASI-PS" if standard == "asi-ps-v3" else "ASI-COC"
        return f"{prefix}-{year}-{self.next[key]:05d}"


def certification(rng: random.Random, entity: Entity, standard: str, day: date, status: str, numbers: Numbers) -> Certification:
    _, editions = STANDARD_PHRASES[standard]
    # Announcements before the standard's current version give no edition (the register files them under it).
    edition = None if day < CURRENT_VERSIONS_FROM else editions[0] if day < date(2023, 6, 1) else rng.choice(editions)
    major: list[str] = []
    if status == "provisional":
        major = [CRITERIA[standard][rng.randrange(len(CRITERIA[standard]))][0] + clause_list(rng)]
    minor = draw_findings(rng, standard, 12 - len(major)) if status in ("certified", "provisional") else []  # 0 to 12 in all
    minor = [ref for ref in minor if criterion_of(ref) not in {criterion_of(m) for m in major}]
    valid_from = valid_until = None
    if rng.random() < 0.25:
        valid_from = day - timedelta(days=rng.randrange(0, 40))
        if rng.random() < 0.6:
            months = 12 if status == "provisional" else 36
            valid_until = date(valid_from.year + months // 12, valid_from.month, min(valid_from.day, 28)) - timedelta(days=1)
    scope = None
    if rng.random() < 0.7:
        scope = f"{', '.join(entity.operations).capitalize()} at {' and '.join(entity.facilities)}"
    report = None
    if rng.random() < 0.4:
        report = f"https://aluminium-stewardship.example/reports/{day.year}/{entity.slug[:48].strip('-')}-{standard}.pdf"
    return Certification(
        standard=standard, edition=edition, auditor=entity.auditor, status=status, scope=scope,
        certificate=numbers.issue(standard, day.year) if rng.random() < 0.45 else None,
        valid_from=valid_from, valid_until=valid_until, report=report, minor=minor, major=major,
    )


def history(seed: int, entity: Entity, count: int, numbers: Numbers) -> list[Announcement]:
    rng = random.Random(f"{seed}:history:{entity.number}")
    # First the story (what each announcement says, and the days between them), then its place in time.
    kinds = ["first"]
    for _ in range(count - 1):
        kind = rng.choices(("renewal", "extension", "suspension", "withdrawal", "reinstatement"), weights=(66, 20, 5, 3, 6))[0]
        if kind == "reinstatement" and kinds[-1] != "suspension":
            kind = "renewal"
        if kinds[-1] == "withdrawal":
            kind = "first"  # certified again from scratch
        kinds.append(kind)
    gaps = [{"renewal": 3 * 365 + rng.randrange(-40, 60), "extension": rng.randrange(120, 700), "suspension": rng.randrange(60, 500),
             "withdrawal": rng.randrange(30, 400), "reinstatement": rng.randrange(40, 200), "first": rng.randrange(300, 900)}[kind] for kind in kinds[1:]]
    window = (LAST_DAY - FIRST_DAY).days
    if sum(gaps) > window * 0.9:  # a long story in a short register: renewals came early
        gaps = [max(MIN_GAP_DAYS, gap * window * 0.9 // sum(gaps)) for gap in gaps]
    latest_start = LAST_DAY - timedelta(days=sum(gaps))
    day = start_date(rng)
    if day > latest_start:
        day = latest_start - timedelta(days=rng.randrange(0, 200))
    days = [day]
    for gap in gaps:
        days.append(days[-1] + timedelta(days=gap))
    if rng.random() < EMBARGOED_SHARE:  # the newest one is announced for a day after the build date
        days[-1] = max(days[-1], AS_OF + timedelta(days=rng.randint(1, 40)))
    standards = ["asi-ps-v3"] if rng.random() < 0.7 else ["asi-ps-v3", "asi-coc-v2"]
    if "material conversion" in entity.operations and rng.random() < 0.4:
        standards = ["asi-coc-v2"]
    announcements: list[Announcement] = []
    for index, (kind, day) in enumerate(zip(kinds, days)):
        if kind == "extension" and "asi-coc-v2" not in standards:
            standards = standards + ["asi-coc-v2"]
            announced = ["asi-coc-v2"]
        elif kind in ("suspension", "withdrawal"):
            announced = [rng.choice(standards)]
        else:
            announced = list(standards)
        status = {"suspension": "suspended", "withdrawal": "withdrawn"}.get(kind, "certified")
        certs = []
        for standard in announced:
            this_status = "provisional" if status == "certified" and rng.random() < 0.035 else status
            certs.append(certification(rng, entity, standard, day, this_status, numbers))
        name = entity.renamed_to if entity.renamed_to and index >= count // 2 and index > 0 else entity.name
        announcements.append(Announcement(entity=entity, day=day, kind=kind, name=name, certifications=certs, facilities=list(entity.facilities)))
    return announcements


def plan(count: int, seed: int) -> tuple[list[Entity], list[Announcement]]:
    taken: set[str] = set()
    numbers = Numbers()
    entities: list[Entity] = []
    announcements: list[Announcement] = []
    number = 0
    while len(announcements) < count:
        entity = make_entity(seed, number, taken)
        share = weighted_count(random.Random(f"{seed}:count:{number}"))
        share = min(share, count - len(announcements))
        entity.announcements = history(seed, entity, share, numbers)
        entities.append(entity)
        announcements += entity.announcements
        number += 1
    stems: set[str] = set()
    for announcement in announcements:
        rng = random.Random(f"{seed}:extras:{announcement.entity.number}:{announcement.day}")
        base = short_slug(announcement.entity)
        stem = f"{announcement.day.isoformat()}-{base}"
        while stem in stems:
            stem += "-2"
        stems.add(stem)
        announcement.stem = stem
        announcement.draft = rng.random() < 0.006
        if rng.random() < 0.02:
            announcement.aliases = [f"/news/{announcement.day.year}/{stem.removeprefix(announcement.day.isoformat() + '-')}-{announcement.day:%m%d}/"]
        if rng.random() < 0.6:
            announcement.summary = summary(rng, announcement)
    return entities, announcements


def short_slug(entity: Entity) -> str:
    words = entity.slug.split("-")
    legal = {"co", "ltd", "group", "limited", "pty", "inc", "as", "asa", "gmbh", "ag", "kg", "s", "a", "ltda", "pvt", "pjsc", "llc", "b", "c", "w", "l", "jsc", "llp", "e", "sas", "sl", "p", "r", "spa", "srl", "sdn", "bhd", "berhad", "sa", "sarl", "ehf", "hf", "corporation", "tic", "san", "ve"}
    while len(words) > 2 and words[-1] in legal:
        words.pop()
    return "-".join(words)[:60].strip("-")


# --------------------------------------------------------------------------------------
# Text: titles, summaries and bodies.


def standards_phrase(certs: list[Certification]) -> str:
    names = [f"ASI {STANDARD_PHRASES[c.standard][0]}" for c in certs]
    return names[0] if len(names) == 1 else f"{names[0]} and the {names[1]}"


def title(a: Announcement) -> str:
    short = display_name(a)
    phrase = standards_phrase(a.certifications)
    statuses = {c.status for c in a.certifications}
    if a.kind == "suspension":
        return f"{short}: {phrase} certification suspended"
    if a.kind == "withdrawal":
        return f"{short}: {phrase} certification withdrawn"
    if a.kind == "reinstatement":
        return f"{short} certification reinstated against the {phrase}"
    if "provisional" in statuses:
        return f"{short} provisionally certified against the {phrase}"
    if a.kind == "renewal":
        return f"{short} recertified against the {phrase}"
    if a.kind == "extension":
        return f"{short} adds {phrase} certification"
    return f"{short} certified against the {phrase}"


def display_name(a: Announcement) -> str:
    return a.name


def summary(rng: random.Random, a: Announcement) -> str:
    counts = sum(len(c.minor) for c in a.certifications)
    where = f"{a.entity.city}, {a.entity.country.code}" if a.entity.city else a.entity.country.code
    found = "no findings" if counts == 0 else ("one minor finding" if counts == 1 else f"{counts} minor findings")
    verb = {"suspension": "had its certification suspended", "withdrawal": "had its certification withdrawn", "reinstatement": "had its certification reinstated"}.get(a.kind, "was certified")
    ops = " and ".join(a.entity.operations)
    return rng.choice((
        f"{a.name} {verb} for {ops} in {where}, with {found}.",
        f"The {ops} operations of {a.name} in {where}: {standards_phrase(a.certifications)}, {found}.",
        f"{a.name} ({where}) {verb} against the {standards_phrase(a.certifications)} after an audit by {a.entity.auditor}.",
    ))


class Writer:
    """Writes one body; ``rng`` picks among phrasings so that bodies differ as real ones do."""

    def __init__(self, rng: random.Random, a: Announcement):
        self.rng = rng
        self.a = a
        self.e = a.entity

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def products(self) -> list[str]:
        items = [p for op in self.e.operations for p in ACTIVITIES[op]]
        return self.rng.sample(items, min(len(items), self.rng.randint(2, 4)))

    def sectors(self) -> str:
        chosen = self.rng.sample(SECTORS, self.rng.randint(2, 4))
        return ", ".join(chosen[:-1]) + " and " + chosen[-1]

    def place(self) -> str:
        country = COUNTRY_NAMES.get(self.e.country.code, self.e.country.code)
        parts = [p for p in (self.e.city, self.e.region) if p]
        return ", ".join(parts + [country])

    def opening(self) -> str:
        a, e = self.a, self.e
        phrase = standards_phrase(a.certifications)
        editions = " and ".join(f"{STANDARD_PHRASES[c.standard][0]}" + (f" {c.edition}" if c.edition else "") for c in a.certifications)
        group = f", part of {e.group}," if e.group and self.rng.random() < 0.7 else ""
        if a.kind == "suspension":
            return self.pick(
                f"The Aluminium Stewardship Initiative (ASI) has suspended the {phrase} certification of {a.name}{group} at its operations in {self.place()}. The suspension follows a surveillance audit that found the corrective actions agreed after the last audit had not been carried out in time.",
                f"{a.name}{group} no longer holds a valid {phrase} certificate for its site in {self.place()}: ASI has suspended it while the company addresses findings raised by {e.auditor}.",
            )
        if a.kind == "withdrawal":
            return self.pick(
                f"ASI has withdrawn the {phrase} certification of {a.name}{group}, {self.place()}. The company did not close the non-conformances that led to the suspension of its certificate within the time the certification rules allow.",
                f"The {phrase} certificate of {a.name} in {self.place()} has been withdrawn. ASI took the decision after {e.auditor} reported that the conditions for lifting the earlier suspension were not met.",
            )
        if a.kind == "reinstatement":
            return f"ASI has lifted the suspension of the {phrase} certification of {a.name}{group} in {self.place()}, after a follow-up audit by {e.auditor} verified that the open non-conformances had been closed."
        verb = {"renewal": "recertified", "extension": "certified"}.get(a.kind, "certified")
        return self.pick(
            f"The Aluminium Stewardship Initiative (ASI) has {verb} {a.name}{group} against its {editions}. The certificate covers {', '.join(e.operations)} at the company's operations in {self.place()}.",
            f"{a.name}{group} has been {verb} against the {phrase} ({editions}) for its {' and '.join(e.operations)} operations in {self.place()}, the Aluminium Stewardship Initiative announced.",
            f"ASI today announced that {a.name}{group} has achieved {phrase} certification ({editions}). The certified operations, in {self.place()}, cover {', '.join(e.operations)}.",
        )

    def operations(self) -> list[str]:
        e = self.e
        products = self.products()
        lines = [self.pick(
            f"The site produces {', '.join(products[:-1])} and {products[-1]}" if len(products) > 1 else f"The site produces {products[0]}",
            f"Its main products are {', '.join(products[:-1])} and {products[-1]}" if len(products) > 1 else f"Its main product is {products[0]}",
        ) + f", supplied mainly to customers in the {self.sectors()} sectors."]
        if e.capacity:
            lines.append(self.pick(f"Annual capacity is about {e.capacity}.", f"The company reports a capacity of {e.capacity}.", f"At full output the operations make {e.capacity}."))
        lines.append(self.pick(
            f"The company employs about {self.rng.randrange(80, 4000):,} people at the site and has operated there since {self.rng.randrange(1958, 2015)}.",
            f"Production began in {self.rng.randrange(1950, 2016)}; the plant was modernised in {self.rng.randrange(2005, 2022)}, when {self.pick('a new casthouse', 'a second potline', 'a continuous annealing line', 'a scrap sorting plant', 'a gas treatment centre')} was added.",
            f"About {self.rng.randrange(5, 95)} % of the site's electricity comes from {self.pick('hydropower', 'wind and solar contracts', 'the regional grid', 'a captive gas-fired plant', 'geothermal sources')}.",
        ))
        out = [" ".join(lines)]
        if len(e.facilities) > 1 or self.rng.random() < 0.4:
            heading = self.pick("The certified facilities are:", "The certificate names these facilities:", "Facilities in scope:")
            out.append(heading + "\n\n" + "\n".join(f"- {f}" for f in e.facilities))
        return out

    def audit(self, c: Certification) -> str:
        phrase = STANDARD_PHRASES[c.standard][0]
        text = self.pick(
            f"The independent third-party audit against the {phrase} was carried out by {c.auditor}",
            f"{c.auditor} audited the operations against the {phrase}",
            f"The {phrase} audit was conducted by {c.auditor}",
        )
        if c.valid_from:
            text += f"; the certificate is valid from {c.valid_from:%d %B %Y}"
            if c.valid_until:
                text += f" to {c.valid_until:%d %B %Y}"
        text += "."
        if c.report:
            text += " " + self.pick(
                f"The [summary audit report]({c.report}) lists every finding with the evidence behind it.",
                f"Findings and evidence are set out in the [summary audit report]({c.report}).",
            )
        return text

    def finding_line(self, c: Certification, ref: str, severity: str) -> str:
        criterion = criterion_of(ref)
        clauses = ref[len(criterion):]
        name = CRITERION_TITLES[c.standard][criterion]
        where = f" (clauses {clauses})" if clauses and ("-" in clauses or "," in clauses) else (f" (clause {clauses})" if clauses else "")
        return f"{criterion} {name}{where}" + (" - major" if severity == "major" else "")

    def findings(self) -> list[str]:
        out: list[str] = []
        for c in self.a.certifications:
            phrase = STANDARD_PHRASES[c.standard][0]
            if c.status in ("suspended", "withdrawn"):
                continue
            total = len(c.minor) + len(c.major)
            if total == 0:
                out.append(self.pick(
                    f"No non-conformances were raised in the {phrase} audit.",
                    f"The {phrase} audit found no non-conformances.",
                ))
                continue
            words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen")
            count = words[total] if total < len(words) else str(total)
            intro = f"The {phrase} audit raised {count} non-conformance{'s' if total != 1 else ''}"
            intro += f", {len(c.major)} of them major:" if c.major else ", all minor:"
            if self.rng.random() < 0.35 and total > 2:
                rows = [f"| {ref} | {CRITERION_TITLES[c.standard][criterion_of(ref)]} | {sev} |" for sev, refs in (("major", c.major), ("minor", c.minor)) for ref in refs]
                out.append(intro + "\n\n| Reference | Criterion | Grade |\n|---|---|---|\n" + "\n".join(rows))
            else:
                lines = [f"- {self.finding_line(c, ref, 'major')}" for ref in c.major] + [f"- {self.finding_line(c, ref, 'minor')}" for ref in c.minor]
                out.append(intro + "\n\n" + "\n".join(lines))
        return out

    def next_steps(self) -> str:
        a = self.a
        if any(c.major for c in a.certifications):
            return self.pick(
                "Because a major non-conformance was found, the certificate is provisional and lasts twelve months. The company must close the major finding before a verification audit, after which a full certificate can be issued.",
                "A provisional certificate is issued when an audit finds a major non-conformance. It lasts one year, during which the company has to correct the finding and have the correction verified.",
            )
        if a.kind in ("suspension", "withdrawal"):
            return self.pick(
                "While the certificate is suspended the company may not make claims about its ASI certification, and material from the site does not count as ASI certified material.",
                "Customers relying on the certificate have been informed. The company may apply again once it can show that the underlying issues are resolved.",
                "A withdrawn certificate cannot be reinstated; the company would have to go through a full certification audit again.",
            )
        if not any(c.minor for c in a.certifications):
            return self.pick(
                "With no findings to correct, the next step is the surveillance audit due in about eighteen months; the certificate runs for three years.",
                f"{self.e.latin_name} will keep its management system under review and prepare for the surveillance audit, due midway through the certificate's three years.",
            )
        return self.pick(
            f"{self.e.latin_name} will put corrective actions in place, to be verified by the auditor in follow-up audits within the next {self.pick('12', '12 to 18', '18')} months.",
            "Corrective action plans have been agreed for each finding; the next surveillance audit will check that they work.",
            "The company is to correct each finding; a follow-up audit will verify the corrections before the certificate is renewed.",
        )

    def quotation(self) -> str:
        person, role = self.e.contact
        said = self.pick(
            "Certification gives our customers independent assurance about how our metal is made. It is also a management tool: the audit showed us where we must improve, and we have plans in place for each finding.",
            "We started this work three years ago, and it has changed how we run the plant, from how we report our emissions to how we talk with our neighbours. We are proud of the team that made it possible.",
            "Our customers increasingly ask for certified material. Meeting the standard's requirements on greenhouse gases, water and human rights is part of staying their supplier of choice.",
            "This is a milestone for the company, but not an end point. We will keep improving our environmental and social performance and report openly on our progress.",
        )
        return f"> “{said}”\n>\n> {person}, {role}, {self.e.latin_name}"

    def about_standard(self) -> str:
        a = self.a
        parts = []
        for c in a.certifications:
            if c.standard == "asi-ps-v3":
                parts.append(self.pick(
                    "The ASI Performance Standard defines environmental, social and governance principles and criteria for the aluminium value chain. It has 11 principles and 62 criteria under three pillars, addressing issues such as biodiversity, Indigenous Peoples' rights, circularity and greenhouse gas emissions.",
                    "The Performance Standard sets requirements across governance, the environment and social issues, from business integrity and transparency to water stewardship, human rights and occupational health and safety. Its current version was published in 2022 and revised editorially in 2023.",
                ))
            else:
                parts.append(self.pick(
                    "The ASI Chain of Custody Standard sets out how certified material moves through the value chain: each step is certified, and a mass balance system tracks the certified share of material from mine to product.",
                    "The Chain of Custody Standard links responsible practices at successive steps of the supply chain, certified under the Performance Standard, to the products made by certified entities. It also requires due diligence on conflict-affected and high-risk areas.",
                ))
        return " ".join(dict.fromkeys(parts))

    def filler(self) -> list[str]:
        """Paragraphs a press release adds around the facts; taken as needed to reach the length."""
        e = self.e
        return [
            self.pick(
                "The certification programme was developed through a multi-stakeholder consultation and is the only comprehensive voluntary sustainability standard initiative for the aluminium value chain. More about it is on the [ASI website](https://aluminium-stewardship.example/certification/).",
                f"ASI certification is voluntary, but members in the production and transformation category must certify at least one facility against the Performance Standard within two years of joining. {e.latin_name} joined ASI in {self.rng.randrange(2015, 2024)}.",
            ),
            self.pick(
                f"Audits follow ASI's assurance manual: the auditor reviews documents, visits the site, and interviews workers, managers and members of the local community in {e.city or e.region or 'the area'}. Certificates are valid for three years, with surveillance audits in between.",
                f"The audit team spent {self.rng.randrange(3, 12)} days on site and interviewed more than {self.rng.randrange(20, 120)} people, including contractors, union representatives and neighbouring residents.",
            ),
            self.pick(
                f"Over the certification period {e.latin_name} plans to {self.pick('cut its greenhouse gas intensity by', 'raise its recycled content by', 'reduce its fresh water use by')} {self.rng.randrange(5, 40)} % against its {self.rng.randrange(2015, 2023)} baseline, and will report on progress each year.",
                f"The company's sustainability report for {self.a.day.year - 1} describes its targets for energy, water and waste, and how it engages with the communities around its operations.",
            ),
            self.pick(
                "Buyers can check the status of any certificate in this register or on ASI's own list of certified entities. A certificate's status changes when it is renewed, suspended, withdrawn or expires.",
                "The register lists each certification with its standard, auditor, scope and findings, so that buyers and the public can follow what an audit found and whether it was corrected.",
            ),
            self.pick(
                f"Certified material from the site is available to customers who ask for it; contact the sales team at sales@{e.slug[:30].strip('-')}.example for details.",
                f"Further information: https://www.{e.slug[:40].strip('-')}.example/sustainability",
            ),
            self.pick(
                f"Industry observers note that demand for certified aluminium has grown quickly in {self.sectors()}, where customers set targets for the carbon footprint and the responsible sourcing of the metal they buy.",
                f"The {self.pick('automotive', 'packaging', 'construction')} industry, a large customer of the site, has committed to sourcing certified aluminium for a growing share of its needs by {self.rng.randrange(2025, 2031)}.",
            ),
            self.pick(
                "Steps the company took before the audit:\n\n1. a gap analysis against every applicable criterion;\n2. training for managers and supervisors;\n3. a review of policies on human rights, water and biodiversity;\n4. an internal audit of the management system.",
                "The certification covers the following areas:\n\n1. governance and business integrity;\n2. environmental management, including emissions, water and biodiversity;\n3. social performance, including labour and human rights;\n4. occupational health and safety.",
            ),
            self.pick(
                f"{e.latin_name} is one of {self.rng.randrange(3, 40)} certified entities in {COUNTRY_NAMES.get(e.country.code, e.country.code)} and one of more than {self.rng.randrange(200, 400)} worldwide.",
                f"With this certificate, {self.rng.randrange(30, 90)} % of the {', '.join(e.operations)} capacity in its region is now certified.",
            ),
        ]

    def body(self, target: int) -> str:
        a = self.a
        rng = self.rng
        blocks: list[str] = [self.opening()]
        middle: list[list[str]] = []
        if a.kind not in ("suspension", "withdrawal"):
            middle.append([f"## {self.pick('About the operations', 'The certified site', 'About ' + self.e.latin_name, 'Operations')}"] + self.operations())
        audit = [self.audit(c) for c in a.certifications]
        middle.append([f"## {self.pick('The audit', 'Audit and findings', 'What the auditor found')}"] + audit + self.findings())
        middle.append([f"## {self.pick('Next steps', 'What happens next', 'Follow-up')}", self.next_steps()])
        if a.kind not in ("suspension", "withdrawal") and rng.random() < 0.7:
            middle.append([self.quotation()])
        for section in middle:
            blocks += section
        about = [f"## {self.pick('About the standard', 'About the standards', 'Background')}", self.about_standard()]
        extras = self.filler()
        rng.shuffle(extras)
        words = sum(len(b.split()) for b in blocks + about)
        for paragraph in extras:
            if words >= target:
                break
            if words + len(paragraph.split()) > 600 - 5:
                continue
            about.append(paragraph)
            words += len(paragraph.split())
        blocks += about
        if rng.random() < 0.5:
            blocks.append(f"### {self.pick('Contact', 'Media enquiries', 'More information')}\n\n{self.e.contact[0]}, {self.e.contact[1]}, {self.e.latin_name} ({self.pick('press', 'communications', 'media')}@{self.e.slug[:30].strip('-')}.example)")
        text = "\n\n".join(blocks) + "\n"
        return text


def body_for(seed: int, a: Announcement) -> str:
    """A body of 260 to 600 words (counted as whitespace-separated words of the Markdown)."""
    rng = random.Random(f"{seed}:body:{a.stem}")
    target = rng.randint(260, 600)
    text = Writer(rng, a).body(target)
    words = len(text.split())
    if words > 600:  # trim paragraphs from the end of the background section
        blocks = text.strip("\n").split("\n\n")
        while len(" ".join(blocks).split()) > 600 and len(blocks) > 3:
            del blocks[-2]
        text = "\n\n".join(blocks) + "\n"
    while len(text.split()) < 260:  # a short one: another background paragraph
        text += "\n" + Writer(rng, a).filler()[rng.randrange(8)] + "\n"
    return text


# --------------------------------------------------------------------------------------
# Writing files.

PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`«“][^:#\n]*(?<![\s:])$")
RESERVED = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?[0-9][0-9_.:eE+-]*)$")


def scalar(text: str) -> str:
    """A YAML scalar as an editor would write it: plain when that is safe, else double-quoted."""
    if PLAIN.match(text) and not RESERVED.match(text) and ": " not in text and " #" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(items: list[str]) -> str:
    return "[" + ", ".join(scalar(i) if "," not in i else json.dumps(i, ensure_ascii=False) for i in items) + "]"


def announcement_file(seed: int, a: Announcement) -> str:
    e = a.entity
    lines = ["---", f"title: {scalar(title(a))}", f"date: {a.day.isoformat()}"]
    if a.summary:
        lines.append(f"summary: {scalar(a.summary)}")
    lines += [f"entity: {scalar(a.name)}", f"entity_slug: {e.slug}"]
    if e.group:
        lines.append(f"group: {scalar(e.group)}")
    lines.append("location:")
    if e.city:
        lines.append(f"  city: {scalar(e.city)}")
    if e.region:
        lines.append(f"  region: {scalar(e.region)}")
    lines.append(f"  country: {e.country.code}")
    lines.append("facilities:")
    lines += [f"  - {scalar(f)}" for f in a.facilities]
    lines.append(f"activities: {flow(list(e.operations))}")
    products = [p for op in e.operations for p in ACTIVITIES[op]]
    lines.append(f"products: {flow(products[:5])}")
    if e.capacity:
        lines.append(f"capacity: {scalar(e.capacity)}")
    lines.append("certifications:")
    for c in a.certifications:
        lines.append(f"  - standard: {c.standard}")
        if c.edition:
            lines.append(f"    edition: {scalar(c.edition)}")
        lines.append(f"    auditor: {scalar(c.auditor)}")
        if c.certificate:
            lines.append(f"    certificate: {c.certificate}")
        if c.scope:
            lines.append(f"    scope: {scalar(c.scope)}")
        if c.status != "certified" or (len(c.minor) % 3 == 0):
            lines.append(f"    status: {c.status}")
        if c.valid_from:
            lines.append(f"    valid_from: {c.valid_from.isoformat()}")
        if c.valid_until:
            lines.append(f"    valid_until: {c.valid_until.isoformat()}")
        if c.report:
            lines.append(f"    report: {c.report}")
        if c.minor or c.major:
            lines.append("    nonconformances:")
            if c.minor:
                lines.append("      minor: [" + ", ".join(f'"{r}"' for r in c.minor) + "]")
            if c.major:
                lines.append("      major: [" + ", ".join(f'"{r}"' for r in c.major) + "]")
    if a.draft:
        lines.append("draft: true")
    if a.aliases:
        lines.append(f"aliases: {flow(a.aliases)}")
    lines.append("---")
    return "\n".join(lines) + "\n" + body_for(seed, a)


def profile_file(e: Entity) -> str:
    names = [e.latin_name] if e.name == e.latin_name else [e.name]
    canonical = e.renamed_to or names[0]
    aliases = [n for n in dict.fromkeys([e.name, e.latin_name, *e.other_names]) if n != canonical]
    lines = [f"name: {scalar(canonical)}"]
    if aliases:
        lines.append(f"aliases: {flow(aliases)}")
    if e.group:
        lines.append(f"group: {scalar(e.group)}")
    if e.website:
        lines.append(f"website: {e.website}")
    ops = " and ".join(e.operations)
    description = f"{e.latin_name} runs {ops} operations in {e.city or e.region}, {COUNTRY_NAMES.get(e.country.code, e.country.code)}."
    if e.capacity:
        description += f" Capacity: {e.capacity}."
    if e.renamed_to:
        description += f" Known as {e.latin_name} until it took its present name."
    lines.append("description: >-")
    lines += ["  " + line for line in wrap(description, 84)]
    return "\n".join(lines) + "\n"


def wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def standard_file(standard: tuple) -> str:
    sid, name, version, principles = standard
    lines = [
        f"# {name} {version}: principles and criteria written for certsite's benchmark register.",
        f"id: {sid}", f"name: {name}", f"version: {version}", "owner: Aluminium Stewardship Initiative",
        "url: https://aluminium-stewardship.example/", "validity_months:", "  certified: 36", "  provisional: 12", "principles:",
    ]
    for number, principle, titles in principles:
        lines += [f"  - number: {number}", f"    title: {scalar(principle)}", "    criteria:"]
        for index, criterion in enumerate(titles, 1):
            lines += [f'      - number: "{number}.{index}"', f"        title: {scalar(criterion)}"]
    return "\n".join(lines) + "\n"


SITE = """\
title: Aluminium Certification Register (benchmark)
base_url: https://register.example.org/
description: A synthetic register of aluminium certifications, written by certsite's benchmark.
language: en
corrections: mailto:corrections@register.example.org
"""

ABOUT = """\
---
title: About this register
summary: A synthetic register that certsite's benchmark writes to measure builds at scale.
---
This register is **synthetic**: `bench/corpus.py` wrote it to measure how certsite
builds a register of this size. Its companies, people and findings are invented;
its criteria are written to read like a sustainability standard's.

## What each announcement holds

- who was certified, where, and against which standard and edition;
- the certification body, the scope and, for some, the certificate number;
- the findings by criterion, with their clauses.

See the [editor's guide](https://github.com/example/certsite/blob/main/docs/editing.md) for the format.
"""


def write(out: Path, count: int, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the register into ``out`` (empty or missing); returns counts of what was written."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; name a new folder")
    entities, announcements = plan(count, seed)
    for folder in ("standards", "entities", "certifications", "pages"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text(SITE, encoding="utf-8")
    (out / "pages/about.md").write_text(ABOUT, encoding="utf-8")
    for standard in STANDARDS:
        (out / "standards" / f"{standard[0]}.yaml").write_text(standard_file(standard), encoding="utf-8")
    profiles = 0
    for e in entities:
        if e.profile:
            (out / "entities" / f"{e.slug}.yaml").write_text(profile_file(e), encoding="utf-8")
            profiles += 1
    for a in announcements:
        (out / "certifications" / f"{a.stem}.md").write_text(announcement_file(seed, a), encoding="utf-8")
    return {
        "announcements": len(announcements), "entities": len(entities), "profiles": profiles,
        "drafts": sum(a.draft for a in announcements), "embargoed": sum(a.day > AS_OF for a in announcements),
        "not_latin": sum(not e.name.isascii() and not fold(e.name) for e in entities),
    }


# Country names for the text, in English (certsite itself names countries from CLDR).
COUNTRY_NAMES = {
    "CN": "China", "AU": "Australia", "CA": "Canada", "NO": "Norway", "IS": "Iceland", "DE": "Germany", "BR": "Brazil",
    "IN": "India", "AE": "the United Arab Emirates", "BH": "Bahrain", "RU": "Russia", "KZ": "Kazakhstan", "GR": "Greece",
    "JP": "Japan", "FR": "France", "ES": "Spain", "US": "the United States", "MY": "Malaysia", "ZA": "South Africa",
    "GN": "Guinea", "VN": "Viet Nam", "TR": "Türkiye", "IT": "Italy", "NZ": "New Zealand",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the content folder to write (empty or missing)")
    parser.add_argument("--announcements", "-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--check", action="store_true", help=f"run `certsite check --as-of {AS_OF}` on the result")
    args = parser.parse_args()
    counts = write(args.out, args.announcements, args.seed)
    print(", ".join(f"{value:,} {key.replace('_', ' ')}" for key, value in counts.items()) + f" written to {args.out}")
    if args.check:
        certsite = Path(sys.executable).with_name("certsite")
        command = [str(certsite)] if certsite.exists() else [sys.executable, "-m", "certsite"]
        sys.exit(subprocess.call([*command, "check", "--content", str(args.out), "--as-of", AS_OF.isoformat()]))


if __name__ == "__main__":
    main()
