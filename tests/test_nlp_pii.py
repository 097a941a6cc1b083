"""bot/nlp/pii.py: phone numbers, ID-card numbers and self-introduced names, in every form
residents type them, are masked; dates, ticket and house numbers, amounts and times are not."""

import pytest

from bot.nlp import pii

PHONES = [
    ("13800138000", "138****8000"),
    ("电话138 0013 8000", "电话138****8000"),
    ("138-0013-8000", "138****8000"),
    ("138.0013.8000", "138****8000"),
    ("138 - 0013 - 8000", "138****8000"),
    ("１３８００１３８０００", "138****8000"),  # full-width digits
    ("１３８－００１３－８０００", "138****8000"),
    ("138\u200b0013\u200b8000", "138****8000"),  # zero-width spaces inside
    ("1\u200d3\ufeff8\u20600013 8000", "138****8000"),  # joiner, BOM, word joiner
    ("一三八零零一三八零零零", "138****8000"),  # Chinese numerals
    ("幺三八零零幺三八零零零", "138****8000"),  # 幺 for 1
    ("幺三八〇〇幺三八〇〇〇", "138****8000"),
    ("壹叁捌零零壹叁捌零零零", "138****8000"),
    ("138零零13八000", "138****8000"),  # mixed
    ("+86 138 0013 8000", "138****8000"),
    ("+8613800138000", "138****8000"),
    ("008613800138000", "138****8000"),
    ("有事打15900001111找我", "有事打159****1111找我"),
    ("502 13800138000", "502 138****8000"),  # the house number stays
    ("座机0351-5551234", "座机0351-****"),  # landlines with an area code
    ("0351 55512345", "0351-****"),
    ("(010)12345678", "010-****"),
    ("（010）12345678", "010-****"),
    ("01088886666", "010-****"),
    ("电话：5551234", "电话：****"),  # a local number after a phone word
    ("号码 8765432", "号码 ****"),
    ("电话：五五五一二三四", "电话：****"),
]


@pytest.mark.parametrize(("text", "masked"), PHONES)
def test_phone_numbers_in_every_form_are_masked(text, masked):
    assert pii.mask(text) == masked
    assert pii.mask_numbers(text) == masked  # the log lines' rule is the same rule


@pytest.mark.parametrize(("text", "masked"), [
    ("身份证140105199001011234", "身份证1****************4"),
    ("身份证号14010519900101123X", "身份证号1****************X"),
    ("身份证号14010519900101123x。", "身份证号1****************X。"),
    ("140105 19900101 123X", "1****************X"),
    ("１４０１０５１９９００１０１１２３Ｘ", "1****************X"),
    ("卡号6222020200112233445", "卡号******"),  # a long unbroken number: an account, a card
])
def test_id_card_and_other_long_numbers_are_masked(text, masked):
    assert pii.mask(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("我叫王秀兰，住3号楼", "我叫王**，住3号楼"),
    ("我叫王秀兰住在3号楼502", "我叫王**住在3号楼502"),
    ("我是3号楼的李师傅", "我是3号楼的李**"),
    ("本人张三，电话13800138000", "本人张*，电话138****8000"),
    ("本人李建国反映楼下噪音", "本人李**反映楼下噪音"),
    ("本人刘桂兰反映", "本人刘**反映"),
    ("我是王秀兰", "我是王**"),
    ("我是张阿姨", "我是张**"),
    ("我是居民王芳", "我是居民王*"),
    ("我是住在5栋的老王", "我是住在5栋的老*"),
    ("我叫小王", "我叫小*"),
    ("我叫欧阳娜娜", "我叫欧**"),
    ("我叫海峰", "我叫海*"),
    ("姓名：刘桂兰", "姓名：刘**"),
    ("联系人：王女士 电话13800138000", "联系人：王** 电话138****8000"),
    ("我的名字是陈志强", "我的名字是陈**"),
    ("我叫王秀蘭，住3號樓", "我叫王**，住3號樓"),  # traditional characters
])
def test_self_introduced_names_are_masked(text, masked):
    assert pii.mask(text) == masked


@pytest.mark.parametrize("text", [
    "2026年12月1日晚上", "2026-12-01 22:30", "2026.12.01", "20261201", "二零二六年十二月一日",
    "工单号YZ-20261201-0001", "YZ-20261201-0001、YZ-20261201-0002",
    "3号楼502", "南海街1号院3单元502室", "5栋2单元1801",
    "罚了3000元", "1,000元", "3.5万", "￥12,800.00", "100平米",
    "22:30", "晚上10点到凌晨2点", "每周一三五", "1380013800",  # ten digits: no phone
    "本人于昨天发现", "本人房子漏水", "本人住在幸福小区", "我是业主", "我是这里的居民", "我是说楼下太吵",
    "我叫了物业好几次", "我叫物业来看", "我姓李", "店名叫老李烧烤", "隔壁老王天天装修",
    "楼下早餐店油烟太大，天天熏到家里",
])
def test_what_is_not_personal_stays(text):
    assert pii.mask(text) == text


def test_the_card_of_the_handling_unit_keeps_the_phone_and_nothing_else():
    text = "我叫王秀兰，电话13800138000，身份证140105199001011234"
    assert pii.mask(text, keep_phones=True) == "我叫王**，电话13800138000，身份证1****************4"
    assert pii.mask(text) == "我叫王**，电话138****8000，身份证1****************4"


def test_log_lines_keep_their_other_numbers():
    line = "outbox 123456: chat -1001000000001 update 987654321 ticket YZ-20261123-0001 phone 13912345678"
    assert pii.mask_numbers(line) == line.replace("13912345678", "139****5678")


def test_mask_name_shows_the_first_character():
    assert [pii.mask_name(n) for n in ("王秀兰", "王五", "王", "", "欧阳娜娜")] == ["王**", "王*", "王*", "*", "欧**"]


def test_found_spans_point_into_the_original_text():
    text = "我叫王秀兰，电话138 0013 8000"
    found = pii.find(text)
    assert [(f.kind, text[f.start:f.end]) for f in found] == [("name", "王秀兰"), ("mobile", "138 0013 8000")]


def test_huge_and_hostile_texts_are_masked_in_linear_time():
    # A run of a million digits and separators, or of 我是, must not take the tagger or the
    # number search quadratic: these finish (the speed itself is measured in bench/, not here).
    assert pii.mask("我是" * 50_000 + "，我叫王秀兰").endswith("我叫王**")
    assert "13800138000" not in pii.mask("1 " * 50_000 + "电话 13800138000")
