"""Messages of the sandbox payment page (``/sandbox/pay/...``): our stand-in for a provider's page."""

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "sandbox.brand": "模拟支付",
        "sandbox.banner": "测试环境：这是模拟的支付页面，不会扣款。",
        "sandbox.title": "确认付款",
        "sandbox.merchant": "收款方",
        "sandbox.description": "商品",
        "sandbox.order": "订单号",
        "sandbox.amount": "金额",
        "sandbox.expires": "支付截止",
        "sandbox.pay": "确认支付 {amount}",
        "sandbox.fail": "模拟支付失败",
        "sandbox.cancel": "取消支付",
        "sandbox.back": "返回商户",
        "sandbox.unknown.title": "找不到此笔支付",
        "sandbox.unknown.body": "支付链接无效或已被修改。请回到停车应用重新发起支付。",
        "sandbox.expired.title": "支付已超时",
        "sandbox.expired.body": "此笔支付已于 {time} 关闭，未扣款。请回到停车应用重新下单。",
        "sandbox.undelivered.title": "商户未确认",
        "sandbox.undelivered.body": "支付结果已发送，但商户没有接受（{answer}）。"
                                    "请回到停车应用查看订单状态。",
        "sandbox.no_answer": "无应答",
    },
    "en": {
        "sandbox.brand": "Sandbox payment",
        "sandbox.banner": "Test environment: this payment page is simulated and takes no money.",
        "sandbox.title": "Confirm payment",
        "sandbox.merchant": "Payee",
        "sandbox.description": "Item",
        "sandbox.order": "Order number",
        "sandbox.amount": "Amount",
        "sandbox.expires": "Pay before",
        "sandbox.pay": "Pay {amount}",
        "sandbox.fail": "Simulate a failed payment",
        "sandbox.cancel": "Cancel payment",
        "sandbox.back": "Back to the merchant",
        "sandbox.unknown.title": "Payment not found",
        "sandbox.unknown.body": "The payment link is not valid or was changed. Go back to the parking app "
                                "and start the payment again.",
        "sandbox.expired.title": "Payment timed out",
        "sandbox.expired.body": "This payment closed at {time}; nothing was charged. Go back to the parking "
                                "app and place a new order.",
        "sandbox.undelivered.title": "The merchant did not confirm",
        "sandbox.undelivered.body": "The payment result was sent but the merchant did not accept it "
                                    "({answer}). Go back to the parking app to see the order.",
        "sandbox.no_answer": "no answer",
    },
}
