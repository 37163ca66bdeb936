"""Messages both web apps show: the brand, the language switch, refusals and form hints."""

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "app.brand": "错峰停车",
        "lang.switch": "English",
        "lang.switch_label": "切换语言",
        "action.logout": "退出登录",
        "action.back": "返回",
        "form.required": "请填写此项",
        "error.csrf.title": "请求无法验证",
        "error.csrf.body": "页面已过期，或请求来自其他网站。请返回、刷新页面后重试。",
        "error.forbidden.title": "无权访问",
        "error.forbidden.body": "您的账号不能查看或修改此内容。",
        "error.signin.title": "请先登录",
        "error.notfound.title": "找不到此页面",
        "error.notfound.body": "它不存在，或不属于您的单位。",
        "signin.locked": "登录失败次数过多，请 {minutes} 分钟后再试。",
    },
    "en": {
        "app.brand": "Off-peak parking",
        "lang.switch": "中文",
        "lang.switch_label": "Change language",
        "action.logout": "Log out",
        "action.back": "Back",
        "form.required": "Please fill in this field",
        "error.csrf.title": "The request could not be verified",
        "error.csrf.body": "The page has expired or the request came from another site. "
                           "Go back, reload the page and try again.",
        "error.forbidden.title": "Not allowed",
        "error.forbidden.body": "Your account may not see or change this.",
        "error.signin.title": "Please sign in first",
        "error.notfound.title": "Not found",
        "error.notfound.body": "It does not exist, or it does not belong to your institution.",
        "signin.locked": "Too many failed sign-ins. Try again in {minutes} minutes.",
    },
}
