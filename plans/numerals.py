"""Chinese numerals as plans and official documents write them (pure)."""

CN_NUMERALS = "零一二三四五六七八九十"


def cn_numeral(number: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十, 101 -> 一百零一: for labels such as （三）."""
    if number <= 10:
        return CN_NUMERALS[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        head = "" if tens == 1 else CN_NUMERALS[tens]
        return head + "十" + (CN_NUMERALS[ones] if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = CN_NUMERALS[hundreds] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + CN_NUMERALS[rest]
        # 110 is 一百一十, not 一百十.
        tail = cn_numeral(rest)
        return head + (CN_NUMERALS[1] + tail if rest < 20 else tail)
    return str(number)
