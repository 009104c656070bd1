"""The shared table of hostile samples for every place that masks personal data.

Importable as `redaction_samples` from any test (pytest puts tests/ on the path), so the unit
tests of each masking function and the integration tests of each place that shows masked
text read the same samples.
"""

from __future__ import annotations

# (sample, the secret part that must disappear)
HOSTILE = [
    ("手机13812345678谢谢", "13812345678"),
    ("手机 138 1234 5678", "138 1234 5678"),
    ("手机 138-1234-5678", "138-1234-5678"),
    ("电话 +86 138 1234 5678", "138 1234 5678"),
    ("电话+8613812345678", "13812345678"),
    ("全角 １３８１２３４５６７８ 打我", "１３８１２３４５６７８"),
    ("全角带空格 １３８　１２３４　５６７８", "５６７８"),
    ("座机 0571-87654321", "87654321"),
    ("座机 (010) 6552 1234", "6552 1234"),
    ("座机 010-1234567", "1234567"),
    ("电话：87654321，白天打", "87654321"),
    ("身份证110101199003074578。", "110101199003074578"),
    ("身份证 11010119900307457X", "11010119900307457X"),
    ("身份证 110101 19900307 457x", "19900307"),
    ("老身份证 110101900307457", "110101900307457"),
    ("全角身份证 １１０１０１１９９００３０７４５７８", "１１０１０１１９９００３０７４５７８"),
    ("邮箱 wang.xm+311@example.com.cn 回复", "wang.xm+311@example.com.cn"),
    ("mail me: Li.Hua@mail.gov.cn", "Li.Hua@mail.gov.cn"),
    ("卡号 6222 0212 3456 7890 123", "6222 0212 3456 7890 123"),
    ("车牌浙A12345停在消防通道", "浙A12345"),
    ("新能源车 京AD12345 占道", "京AD12345"),
    ("UK number +44 20 7946 0958 works too", "7946 0958"),
]
NAMES = [
    ("我是张三，楼道灯坏了", "张三"),
    ("我叫王小明的邻居说噪音很大", "王小明"),
    ("本人李四反映噪音", "李四"),
    ("我的名字是欧阳娜娜。", "欧阳娜娜"),
    ("Hello, my name is John Smith, the street light is out", "John Smith"),
    ("I'm Alice and the bin is full", "Alice"),
    ("this is Bob Lee from block 3", "Bob Lee"),
]
STAYS = [
    "2026-11-02 晚上 10 点以后还在施工",
    "第3栋2单元501室楼上漏水，已经3天了",
    "MS-2611-7KQ2XD 已受理，12 路公交",
    "我是业主，楼上漏水",
    "I'm writing about the road near No. 12",
    "this is urgent, the pipe burst",
]
