"""normalise(): the one form every rule is matched against."""

from bot.nlp.normalise import normalise, to_simplified


def test_traditional_becomes_simplified():
    assert normalise("樓下餐廳油煙") == "楼下餐厅油烟"


def test_phrase_aware_conversion_not_a_character_map():
    # 乾 is 干 in 乾淨 but stays 乾 in the name 乾隆: a character map gets one of them wrong.
    assert to_simplified("乾隆年間的老房子很乾淨") == "乾隆年间的老房子很干净"


def test_full_width_letters_and_digits_become_half_width_lower_case():
    assert normalise("ＫＴＶ在３号楼") == "ktv在3号楼"


def test_full_width_ascii_punctuation_is_half_width_but_chinese_marks_stay():
    assert normalise("吵！怎么办？好，。") == "吵!怎么办?好,。"


def test_emoji_and_invisible_characters_are_removed():
    assert normalise("\u200b油烟太大😡😡👍🏻") == "油烟太大"


def test_spaces_between_chinese_characters_are_dropped_but_latin_words_keep_one():
    assert normalise("油 烟   太大") == "油烟太大"
    assert normalise("Hello   World") == "hello world"


def test_line_breaks_survive_as_one_clause_break():
    assert normalise("楼下烧烤  \n\n  油烟大") == "楼下烧烤\n油烟大"


def test_empty_text():
    assert normalise("") == ""
    assert normalise("   ") == ""


def test_stored_text_is_not_changed():
    original = "樓下餐廳油煙"
    normalise(original)
    assert original == "樓下餐廳油煙"


def test_zhe_written_traditionally_reads_as_simplified_zhe_but_zhu_stays():
    from bot.nlp.normalise import to_simplified
    assert to_simplified("樓道裡的電動車著火了") == "楼道里的电动车着火了"
    assert to_simplified("吵得睡不著覺") == "吵得睡不着觉"
    assert to_simplified("著名的著作") == "著名的著作"
    assert to_simplified("搞么子，穿著拖鞋") == "搞么子，穿着拖鞋"  # the dialect 么 is left alone


def test_cantonese_function_words_read_as_mandarin_so_rule_words_match():
    assert normalise("後樓梯啲石屎跌咗落嚟") == "后楼梯些水泥跌了下来"
    assert normalise("我哋條村冇水") == "我们条村没水"
    assert normalise("佢喺度睇住") == "他在度看住"
    # characters Mandarin writes too are left as they are
    assert normalise("情况紧急，咁样不行") == "情况紧急,咁样不行"
    # OpenCC turns 嗰 into 𠮶 before the function words are folded: it is still 那
    assert normalise("嗰間廠") == "那间厂"


def test_cantonese_words_read_as_the_mandarin_word_of_the_same_length():
    # every rule written in Mandarin reads them, and each character keeps its place
    for cantonese, mandarin in [("停車場電房水浸緊", "停车场电房水淹紧"), ("隔籬喺門口燒香", "隔壁在门口烧香"),
                                ("部𨋢又壞，而家困咗個阿婆", "电梯又坏,现在困了个阿婆"), ("條渠塞咗，一落雨就浸", "条渠塞了,一下雨就浸"),
                                ("巴士站個簷篷穿咗", "公交站个雨棚穿了"), ("行人路啲地磚鬆晒", "人行道些地砖松晒")]:
        assert normalise(cantonese) == mandarin
        assert len(normalise(cantonese)) == len(cantonese)
    # a word that is also a place name is left alone (沙井 in 深圳), and so are Mandarin's own
    assert normalise("沙井街道") == "沙井街道"
    assert normalise("电线走火了") == "电线走火了"


def test_shanghainese_and_sichuanese_words_read_as_mandarin():
    assert normalise("阿拉弄堂里侪是垃圾，伊拉勿睬") == "我们巷子里都是垃圾,他们不理"
    assert normalise("堰塘莫得围栏，娃儿天天在边上耍") == "堰塘没有围栏,孩子天天在边上耍"
    assert normalise("厝边装监控，囝仔怕") == "邻居装监控,孩子怕"


def test_simplified_text_is_not_put_through_opencc():
    # OpenCC's phrase table turns a simplified 打坏 into 打坯; text with no traditional character is
    # already simplified and is left as written
    from bot.nlp.normalise import to_simplified
    assert to_simplified("楼上装修把防水层打坏了") == "楼上装修把防水层打坏了"
    assert to_simplified("樓上裝修") == "楼上装修"


def test_wy_standing_alone_is_wuye():
    assert normalise("WY天天收钱不干活") == "物业天天收钱不干活"
    assert normalise("找wy") == "找物业"
    assert normalise("wyz是谁") == "wyz是谁"  # part of a Latin word: left alone
