"""Phrase templates for survey comments, by theme, tone and language.

Data only: :mod:`analysis.sample.comments` combines 1–3 clauses into a comment.
Tones are ``neg`` (detractors), ``neu`` (passives) and ``pos`` (promoters).
"""

from __future__ import annotations

# fmt: off
PHRASES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "delivery": {
        "neg": {
            "zh": (
                "物流太慢了，等了一个多星期", "快递一直不更新物流信息", "送货比承诺晚了好几天",
                "配送员态度差还不送上门", "物流信息显示签收但我根本没收到", "发货拖了五天才发出",
                "快递把箱子压坏了", "催了好几次物流还是没动静", "配送时间完全不靠谱",
            ),
            "en": (
                "delivery took over a week", "the parcel arrived days later than promised",
                "tracking never updated", "the courier left the box outside in the rain",
                "shipping was painfully slow",
            ),
        },
        "neu": {
            "zh": (
                "物流速度一般", "快递三四天到，还算正常", "配送时效中规中矩",
                "物流还行，就是周末不送",
                "发货速度可以，运输稍慢", "送货时间和预期差不多", "物流不快也不慢",
            ),
            "en": (
                "delivery was okay", "shipping took the usual three days",
                "the parcel came roughly on time", "delivery speed was average",
            ),
        },
        "pos": {
            "zh": (
                "物流很快，第二天就到了", "快递小哥很负责，送货上门", "发货及时，物流信息清楚",
                "当天下单次日达，太方便了", "配送速度超出预期", "物流给力，包裹完好",
                "顺丰发货，速度没话说",
            ),
            "en": (
                "delivery was super fast", "arrived the next day", "shipping was quick and tracked",
                "the courier was friendly and on time", "fast and reliable delivery",
            ),
        },
    },
    "price": {
        "neg": {
            "zh": (
                "价格比别家贵不少", "刚买完就降价了，很不爽", "性价比太低", "优惠券根本用不了",
                "运费太贵了", "标价和结算价不一样", "活动价是先涨后降", "会员价也没便宜多少",
            ),
            "en": (
                "way too expensive for what you get", "the price dropped right after I bought it",
                "the coupon did not work at checkout", "shipping fees are too high",
                "poor value for money",
            ),
        },
        "neu": {
            "zh": (
                "价格还算合理", "价格中等，活动时买比较划算", "和其他平台价格差不多",
                "价格可以接受", "不算便宜也不算贵", "性价比一般",
            ),
            "en": (
                "the price is fair", "pricing is about the same as elsewhere",
                "reasonable price, nothing special", "okay value if you wait for a sale",
            ),
        },
        "pos": {
            "zh": (
                "价格实惠，性价比很高", "活动力度大，很划算", "比实体店便宜很多", "会员折扣很给力",
                "这个价格买到这个品质很值", "满减优惠实在", "价格透明，没有套路",
            ),
            "en": (
                "great value for money", "the discount was generous", "cheaper than in the store",
                "very reasonable price", "the member price is a real bargain",
            ),
        },
    },
    "quality": {
        "neg": {
            "zh": (
                "质量太差，用了两天就坏了", "做工粗糙，有明显瑕疵", "和描述严重不符",
                "材质很差，有异味", "收到的是残次品", "质量不稳定，这次明显不如上次",
                "用了一周就开线了", "颜色和图片差别很大",
            ),
            "en": (
                "poor quality, it broke after two days",
                "the product does not match the description",
                "cheap materials and a strange smell", "arrived defective",
                "quality is worse than last time",
            ),
        },
        "neu": {
            "zh": (
                "质量一般，对得起价格", "做工还行，细节有待提高", "质量中规中矩",
                "东西和描述基本一致",
                "用着还可以，没有惊喜", "品质普通",
            ),
            "en": (
                "quality is average", "does the job, nothing more",
                "matches the description mostly",
                "decent build but some rough edges",
            ),
        },
        "pos": {
            "zh": (
                "质量很好，做工精细", "和描述一致，品质不错", "用了一段时间依然很好",
                "材质很舒服，很满意", "正品保障，质量放心", "做工扎实，细节到位", "品质超出预期",
            ),
            "en": (
                "excellent quality", "well made and works perfectly", "exactly as described",
                "solid build quality", "the quality exceeded my expectations",
            ),
        },
    },
    "after_sales": {
        "neg": {
            "zh": (
                "售后服务太差，退货一直没人处理", "申请维修等了半个月没结果",
                "售后互相推诿，问题一直没解决",
                "退款拖了一个月还没到账", "售后电话永远打不通", "换货流程非常麻烦",
                "保修承诺根本不兑现", "售后只会让我等通知",
            ),
            "en": (
                "after-sales service is terrible", "my return request was ignored for weeks",
                "the refund still has not arrived", "nobody answers the after-sales hotline",
                "the warranty repair took forever",
            ),
        },
        "neu": {
            "zh": (
                "售后处理速度一般", "退换货流程还算顺利，就是有点慢", "售后能解决问题但要多次沟通",
                "维修周期正常", "售后服务中规中矩", "退款到账时间有点长",
            ),
            "en": (
                "after-sales support was okay", "the return went through eventually",
                "the repair took the usual time", "support solved it after a few emails",
            ),
        },
        "pos": {
            "zh": (
                "售后服务很好，退换货很快", "维修上门及时，问题很快解决", "售后响应迅速，处理专业",
                "退款秒到账，售后很靠谱", "保修服务贴心", "售后主动回访，很负责",
                "换货流程简单方便",
            ),
            "en": (
                "after-sales service was excellent", "the return was quick and easy",
                "they fixed the problem right away", "the refund arrived within a day",
                "great warranty support",
            ),
        },
    },
    "staff": {
        "neg": {
            "zh": (
                "客服态度很差，爱答不理", "客服回复慢，还很不耐烦", "客服只会复制粘贴",
                "问了三个问题都没回答清楚", "店员态度傲慢", "客服答应的事情没有做到",
                "客服把我的问题转来转去",
            ),
            "en": (
                "the staff were rude", "customer service replied with copy-paste answers",
                "support was slow and unhelpful", "nobody could answer my questions",
                "the agent promised a callback that never came",
            ),
        },
        "neu": {
            "zh": (
                "客服态度还可以", "客服回复速度一般", "店员介绍得比较简单", "客服能回答基本问题",
                "沟通还算顺畅", "服务态度正常",
            ),
            "en": (
                "staff were polite enough", "customer service was average",
                "the agent answered the basic questions", "response time was acceptable",
            ),
        },
        "pos": {
            "zh": (
                "客服态度非常好，耐心解答", "客服回复及时又专业", "店员热情周到",
                "客服小姐姐很贴心",
                "销售顾问非常专业", "客服主动帮我申请了优惠", "服务态度一流",
            ),
            "en": (
                "the staff were friendly and patient", "customer service was very helpful",
                "quick and professional replies", "the sales rep went out of his way to help",
                "lovely service",
            ),
        },
    },
    "packaging": {
        "neg": {
            "zh": (
                "包装太简陋，东西都压坏了", "包装破损，里面东西洒了", "外箱脏兮兮的",
                "包装没有任何防护", "礼盒包装有明显划痕", "包装过度，全是塑料",
            ),
            "en": (
                "the packaging was damaged", "flimsy packaging, the item was crushed",
                "way too much plastic wrapping", "the gift box was scratched",
            ),
        },
        "neu": {
            "zh": (
                "包装一般", "包装简单，没有破损", "包装普通，能保护商品", "包装中规中矩",
                "外包装有点旧但东西没事",
            ),
            "en": (
                "packaging was basic", "plain packaging but nothing broken",
                "the box was fine", "standard packaging",
            ),
        },
        "pos": {
            "zh": (
                "包装很用心，送人很有面子", "包装严实，完好无损", "包装精美，还有小礼物",
                "环保包装，点赞", "包装很细致，防震做得好",
            ),
            "en": (
                "beautiful packaging", "well packed, arrived intact", "nice eco-friendly packaging",
                "the gift wrapping was lovely",
            ),
        },
    },
}

OPENERS = {
    "zh": ("", "", "", "这次购物，", "总体来说，", "说实话，", "第二次购买了，",
           "帮家里人买的，", "公司采购，"),
    "en": ("", "", "", "Overall, ", "To be honest, ", "Second order here. ",
           "Bought this for work. "),
}
CLOSERS = {
    "neg": {
        "zh": ("", "", "非常失望。", "不会再买了。", "希望尽快改进。", "给差评。",
               "要求给个说法。"),
        "en": ("", "", "Very disappointed.", "Will not buy again.", "Please fix this."),
    },
    "neu": {
        "zh": ("", "", "还行吧。", "再观望一下。", "希望继续提升。", "总体可以。"),
        "en": ("", "", "It's fine.", "Might buy again.", "Room for improvement."),
    },
    "pos": {
        "zh": ("", "", "会继续回购！", "推荐给朋友了。", "非常满意！", "五星好评！", "下次还来。"),
        "en": ("", "", "Will buy again!", "Highly recommend.", "Very happy.", "Five stars."),
    },
}
# Joiners between clauses.
JOINERS = {"zh": ("，", "；", "，而且", "，不过"), "en": (", ", "; ", ", and ", ". ")}
PII_TEMPLATES = {
    "phone": {
        "zh": ("有问题请打我电话{v}", "联系电话{v}", "麻烦回电{v}", "手机{v}，尽快联系我"),
        "en": ("my number is {v}", "call me on {v}"),
    },
    "email": {
        "zh": ("请发邮件到{v}", "我的邮箱{v}", "结果请发{v}"),
        "en": ("please email me at {v}", "contact me: {v}"),
    },
    "id_card": {
        "zh": ("我的身份证号{v}，请核实", "身份证{v}", "实名信息：{v}"),
        "en": ("my ID number is {v}", "ID card {v}"),
    },
}
# fmt: on
