"""A heuristic prompt-injection detector: documented signals with weights, no network, no model.

How it reads a text. The text is sanitised (``sanitize.py``: invisible characters out, hidden
HTML/markdown text surfaced) and read in a few normalised views (``sanitize.views``: case,
whitespace and full-width forms folded, confusable letters and accents undone, leetspeak and
spaced-out letters joined, base64/hex payloads decoded; ROT13 when the text has ROT13's tell-tale
words). Each view is cut into words once and each word looked up in a lexicon of *concepts*
(an override verb, an instruction noun, a leak verb, a secret, a way out, a jailbreak persona,
...) in English, Spanish, French, German, Portuguese, Italian and Russian; Chinese, Japanese and
Korean are matched as substrings. A *signal* is two or three concepts close together (a few
words apart), so "ignore the previous email" is nothing and "set aside the guidance you
received" is an override. That is one pass of dictionary lookups per view: a 1 KB message costs
tens of microseconds, not a regex per rule.

Signals (weight):

- ``override`` (0.9): an override verb (ignore, disregard, forget, set aside, bypass, disable,
  olvida, oubliez, vergiss, забудь, 忽略, 無視 ...) up to 7 words before an instruction or safety
  noun (instructions, rules, guidance, directives, system prompt, filters, content checks ...),
  or such a noun followed by a cancelling word (rescinded, void, expired, suspended, lifted);
- ``prompt_leak`` (0.75): a leak verb (reveal, print, output, copy, list, show, verbatim ...)
  near the model's own instructions (system prompt, hidden preamble, initial instructions, the
  rules in your system message);
- ``exfiltration`` (0.7): a sending verb (send, email, upload, post, forward, http_get, curl ...)
  near something private (passwords, API keys, token, .env, customer list, card numbers,
  conversation ...) in a text that names a way out (a URL or an email address); ``solicit``
  (0.6): asking the user for a password, card number or CVV; ``beacon`` (0.6): a URL whose
  query is a template (``?q={...}``) or a data-carrying image link;
- ``persona`` (0.7): "you are now / from now on you're / act as / pretend / roleplay / let's
  play" near a jailbreak trait (unrestricted, uncensored, no content policy, never refuses,
  developer mode, DAN, my late grandmother ...); ``jailbreak_trait`` (0.4) alone;
- ``fake_turn`` (0.6): a forged role turn or delimiter (``<|im_start|>``, ``</document>``,
  ``<system>``, ``[[ADMIN]]``, ``SYSTEM MESSAGE:``, "END OF USER DATA", a fake User/Assistant
  exchange) followed by an instruction;
- ``new_task`` (0.55): "your new task is", "new instructions:", "the real instructions",
  "from now on you", "instead, you must";
- ``addressed_to_ai`` (0.45): text that speaks to the model ("Hey model,", "AI reading this",
  "note for the assistant", "Agent, upload ...", "@assistant");
- ``secrecy`` (0.45): do not tell the user, say nothing, silently / secretly;
- ``tool_directive`` (0.35): call / use / run a named tool (``issue_refund``, ``http_get``);
- ``authority`` (0.4): claimed authority or urgency (authorised override code, priority 0, "as
  your administrator", "it is approved", "you must now");
- ``hidden_text`` (0.3): instructions were hidden (HTML comment, invisible element, tag
  characters) or data was packed into an image URL; ``disguised`` (0.3): a signal matched only
  in a disguised view (leetspeak, confusables, spacing, decoded payload, ROT13).

The score is ``1 - prod(1 - weight)`` over the signals found, so two weak signals add up and one
strong one is enough; a text is an injection from 0.5 (the scenario's ``threshold``).

Mentioned, not used: when the text talks *about* attacks (example, attack, injection, phishing,
training, report ...) and a signal is found only inside quotation marks, its weight is divided
by three: a security report quoting "ignore previous instructions" is not an attack. The README
lists what these heuristics cannot catch.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import compress

from agentlab.core.checks.sanitize import Sanitised, sanitise, views

DEFAULT_THRESHOLD = 0.5


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for g in groups for w in g.split())


# -- the lexicon: word -> concept --------------------------------------------------------------

#: Override verbs (imperative forms).
OVR = _words(
    "ignore ignoring disregard disregarding forget bypass override overwrite neglect abandon "
    "dismiss discard nullify disobey defy violate rescind revoke suspend skip drop regardless "
    "setaside",
    # es / pt / it
    "ignora ignore ignorar ignorad ignorá ignorá olvida olvide olvidar olvidá olvidad descarta "
    "olvídate olvidate olvídese olvidese olvídense "
    "omite desobedece esquece esqueça esqueca esquecer desconsidere desconsidera dimentica "
    "dimenticate ignorate tralascia",
    # fr
    "ignorez ignorer oublie oubliez oublier",
    # de / nl
    "ignoriere ignorieren ignorier vergiss vergessen missachte missachten überspringe negeer "
    "vergeet",
    # ru / uk
    "игнорируй игнорируйте игнорировать проигнорируй проигнорируйте забудь забудьте отбрось "
    "отбросьте игноруй забудь",
)
#: Verbs that switch a safeguard off (override only with a safety noun, not any instruction).
OFF = _words("disable deactivate suspend lift remove turn switch desactiva désactive deaktiviere")
#: What an override is about: the model's instructions and its safeguards.
INSTR = _words(
    "instruction instructions instructed directive directives directions guidance guideline guidelines "
    "rules rule prompt prompts programming constraints restrictions policy policies orders "
    "commands preamble training conditioning principles ethics alignment told checklist",
    "instrucciones instrucción indicaciones reglas órdenes ordenes directrices normas consignas "
    "instruções instrucoes regras ordens diretrizes istruzioni regole direttive",
    "consignes règles regles directives ordres",
    "anweisungen anweisung befehle regeln vorgaben richtlinien instruktionen systemanweisungen "
    "systemprompt system-prompt instructies",
    "инструкции инструкций инструкциям указания указаний правила правил команды промпт "
    "промпта інструкції",
)
SAFETY = _words(
    "safety safeguards guardrails guardrail filter filters filtering censorship checks "
    "moderation content-policy restrictions limits",
)
#: Words that cancel instructions (after the noun: "the rules above are void").
CANCELLED = _words(
    "void rescinded revoked cancelled canceled expired obsolete suspended lifted superseded "
    "invalid withdrawn overridden nullified outdated inapplicable deprecated",
)
#: Leak verbs.
LEAK = _words(
    "reveal print output show display repeat dump leak disclose recite echo copy list expose "
    "tell share write paste give",
    "muestra muéstrame muestrame mostrá revela revélame imprime dime escribe repite "
    "mostre mostra revele exiba imprima diga mostrami rivela",
    "montre montrez affiche affichez révèle révélez revele donne donnez répète",
    "zeige zeig gib verrate enthülle wiederhole",
    "покажи покажите выведи выведите раскрой напиши повтори",
)
#: The model's own configuration (a leak target).
SELF = _words(
    "prompt preamble instructions configuration config rules initialised initialized "
    "initialization system-prompt systemprompt system-prompt directives",
    "промпт промпта инструкции",
)
SELF_QUAL = _words(
    "system hidden initial original secret developer internal your verbatim full entire "
    "sistema système systeme системный системные системную скрытый",
)
#: Sending verbs (and tools that reach out).
SEND = _words(
    "send email e-mail mail post upload forward exfiltrate transmit submit leak wire fetch "
    "http_get curl wget beacon ping attach append include embed send_email post_message",
    "envía envia envíe manda mándame reenvía envie mande encaminhe invia manda inoltra",
    "envoie envoyez envoyer transmets transmettez transférez envoie-moi envoyez-moi",
    "envíame enviame envíamelo mándamelo",
    "sende schicke schick sendet leite",
    "отправь отправьте пришли перешли",
)
#: Private things an injection wants out.
PRIVATE = _words(
    "password passwords passcode secret secrets credentials credential token tokens api_key "
    "apikey keys key ssh id_rsa .env env cookies cookie session conversation history "
    "transcript contacts contact customers customer records table database addresses address "
    "salary salaries card cvv iban attachments thread files documents data",
    "contraseña contraseñas claves datos clientes senha senhas credenciais dados cliente "
    "password chiavi dati",
    "mot motdepasse clients données donnees",
    "passwort kennwort daten kunden schlüssel verlauf chatverlauf",
    "historial historia conversación conversacion historique histórico historico cronologia",
    "пароль пароли данные ключи клиентов",
)
#: Strong private things (a sending verb near one is enough with a way out).
SOLICIT = _words("ask request collect obtain demand prompt pide pídele demande frage")
SOLICITED = _words("password passwords card cvv pin ssn credentials login otp passcode")
#: Persona switches.
PERSONA = _words(
    "pretend roleplay role-play role play act behave impersonate simulate emulate become",
    "finge actúa actua fais faites spiele spiel agisci finja",
    "притворись представь",
)
#: Jailbreak traits.
TRAIT = _words(
    "unrestricted uncensored unfiltered unrestrained jailbroken jailbreak dan freegpt "
    "amoral unbound unlimited evil grandmother grandma deceased late no-limits",
    "restricciones restrictions filtros filtro censura restrições restricoes filtros "
    "einschränkungen zensur ограничений фильтров цензуры",
)
#: Addressing the model.
AI = _words(
    "ai ais llm llms model models assistant assistants chatbot chatbots agent agents bot bots "
    "gpt chatgpt claude gemini copilot ia ki ии модель ассистент",
)
TELL = _words("tell inform mention alert notify let warn")
HUMAN = _words("user users human humans operator customer anyone anybody them owner")
SECRETLY = _words("silently secretly quietly covertly discreetly")
TOOLWORD = _words("tool function tools functions")
CALL = _words("call use invoke run execute trigger")
IMPERATIVE_AFTER_AI = _words(
    "ignore disregard forget send email upload post forward reply respond tell say include "
    "print output reveal call run execute delete approve merge recommend ask set write "
    "answer do must should please you your list obey follow append add",
)
META = _words(
    "example examples attack attacks attacker attackers injection injections phishing "
    "training red-team redteam report payload payloads malicious adversarial detect detected "
    "detection detector classify classifier awareness lesson workshop course such e.g flagged "
    "blocked soc quarantined incident incidents guardrail guardrails ctf players post-mortem "
    "postmortem researchers research study studies vulnerability exploit jailbreak jailbreaks "
    "filter",
)
#: ROT13 English tell-tales (the, and, you, your, to, of, is, for).
_ROT13_TELLS = frozenset({"gur", "naq", "lbh", "lbhe", "gb", "bs", "vf", "sbe", "nyy"})
STOP = _words("the a an and or of to in on for is are be this that it with as at by from")

#: Words (not concepts) some signals look for.
_EVERY = frozenset(
    {
        "everything",
        "all",
        "whatever",
        "anything",
        "todo",
        "tout",
        "alles",
        "всё",
        "все",
        "tudo",
        "tutto",
    }
)

# Chinese, Japanese, Korean: substrings (no spaces to cut on).
_CJK_OVR = (
    "忽略",
    "无视",
    "無視",
    "忘记",
    "忘記",
    "忘掉",
    "不要理会",
    "不要遵守",
    "不理会",
    "跳过",
    "绕过",
    "放弃",
    "忘れ",
    "무시",
    "잊어",
)
_CJK_INSTR = (
    "指令",
    "指示",
    "说明",
    "說明",
    "命令",
    "提示",
    "规则",
    "規則",
    "要求",
    "设定",
    "設定",
    "限制",
    "ルール",
    "プロンプト",
    "지시",
    "명령",
    "지침",
    "프롬프트",
    "규칙",
    "以上内容",
    "上面的内容",
    "之前的内容",
    "上述内容",
)
_CJK_LEAK = (
    "显示",
    "顯示",
    "输出",
    "輸出",
    "打印",
    "告诉我",
    "告訴我",
    "透露",
    "泄露",
    "表示",
    "出力",
    "教えて",
    "見せて",
    "알려",
)
_CJK_SELF = (
    "系统提示",
    "系統提示",
    "提示词",
    "系统指令",
    "システムプロンプト",
    "初始指令",
    "프롬프트",
)
_CJK_SEND = ("发送", "發送", "上传", "转发", "发到", "发给", "送信", "送って", "転送", "보내")
_CJK_PRIVATE = (
    "密码",
    "密碼",
    "密钥",
    "机密",
    "数据",
    "凭据",
    "令牌",
    "客户",
    "パスワード",
    "비밀번호",
    "個人情報",
    "管理员",
)
_CJK_PERSONA = (
    "你现在是",
    "你現在是",
    "现在你是",
    "扮演",
    "没有限制",
    "无限制",
    "不受限制",
    "制限なし",
    "あなたは今",
)
_CJK_NEW = ("从现在开始", "從現在開始", "新的指令", "新指令", "新任务", "以下命令")
_CJK_SECRECY = ("不要告诉", "不要告訴", "别告诉")  # fmt: skip

# -- structural patterns (each run only when a cheap substring test says it may match) ---------

#: A forged role turn or delimiter, one pattern per leading character (each runs only when its
#: character is in the text, and scans at C speed for it). The views have their whitespace
#: collapsed, so a line start is the start of the text.
_FT_ANGLE = re.compile(
    r"<\|?(?:im_start|im_end|system|endoftext|start_header_id)\|?>"
    r"|</?(?:system|document|context|instructions?|user_data|data)>|<</?sys>>"
)
_FT_BRACKET = re.compile(
    r"\[\[?\s*(?:system|admin|administrator|developer|operator|root)\s*\]?\]|\[/?inst\]"
)
_FT_START = re.compile(
    r"\s*(?:#{2,}\s*)?(?:system|admin|administrator|developer|operator)\s*(?:message|"
    r"prompt|override|note|notice|alert|update|instructions?)?\s*(?:\([^)\n]{0,30}\))?\s*[:>\]]"
    r"|\s*(?:developer|system|admin)\s+(?:note|notice|message|override)\b"
)
_FT_END = re.compile(r"\bend of (?:user )?(?:data|document|input|context|file|email|page|text)\b")
_FT_FENCE = re.compile(r"(?:-{3,}|={3,}|#{3,}|`{3})\s*(?:end|begin)\b")
_TO_PEOPLE = re.compile(
    r"\W*(?:\w+\W+){0,2}?(?:all |every |each )?(?:users|staff|employees|employee|everyone|team|"
    r"customers|members|colleagues|residents|students|visitors|tenants|drivers|guests)\b"
)
_FOLLOWED = re.compile(
    r"\b(?:you|assistant|model|ai|must|should|now|ignore|reply|respond|print|output|"
    r"disable|reveal|send|proceed|continue|obey|follow|new|directive)\b"
)
_TURN_LINE = re.compile(r"(?:^|\n)\s*(?:user|human|assistant|ai|system)\s*:", re.I)
_URL = re.compile(r"https?://|www\.|\b[\w.-]+\.(?:com|net|org|io|example|evil|xyz|ru|cn)/")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_BEACON = re.compile(r"https?://[^\s)\"']*[?&][\w-]*=?(?:\{|\$\{|%7b|<|\[)|=\{", re.I)
_QUOTED = re.compile(
    r"[\"“”«»「」『』]([^\"“”«»「」『』]{4,300})[\"“”«»「」『』]|(?<!\w)'([^'\n]{4,300})'(?!\w)"
    r"|`([^`]{4,300})`"
)
_SEP = str.maketrans(
    {c: " " for c in "\"“”«»「」『』()[]{}<>,;:!?¡¿。、，；：！？|=*#`~^\\/+."}
)  # fmt: skip

WEIGHTS: dict[str, float] = {
    "override": 0.9,
    "task_override": 0.6,
    "reach": 0.2,
    "prompt_leak": 0.75,
    "exfiltration": 0.7,
    "solicit": 0.6,
    "beacon": 0.6,
    "persona": 0.7,
    "jailbreak_trait": 0.4,
    "fake_turn": 0.6,
    "new_task": 0.55,
    "addressed_to_ai": 0.45,
    "secrecy": 0.45,
    "tool_directive": 0.35,
    "authority": 0.4,
    "secret_request": 0.45,
    "cancelled_rules": 0.45,
    "obey_following": 0.3,
    "hidden_text": 0.3,
    "disguised": 0.3,
}


@dataclass(frozen=True)
class Finding:
    """What the detector found in one text."""

    score: float
    #: The signals found, each with the words that made it (``"override: ignore ... rules"``).
    reasons: list[str] = field(default_factory=list)
    sanitised: Sanitised | None = None

    def injection(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        return self.score >= threshold


def _near(a: list[int], b: list[int], after: int, before: int = 0) -> tuple[int, int] | None:
    """The first pair (i in a, j in b) with j within ``after`` words after i (or ``before``
    words before it)."""
    for i in a:
        for j in b:
            if i < j <= i + after or (before and i - before <= j < i):
                return i, j
    return None


_PERSONA_START = frozenset(
    [
        "now",
        "désormais",
        "ahora",
        "jetzt",
        "agora",
        "теперь",
        "ora",
        "imagine",
        "suppose",
        "are",
        "you're",
        "be",
        "become",
        "play",
        "eres",
        "es",
        "bist",
        "sei",
        "é",
    ]
)
_COMPOUND = frozenset(
    [
        "file",
        "files",
        "folder",
        "page",
        "section",
        "engine",
        "book",
        "template",
        "doc",
        "docs",
        "document",
        "sheet",
        "list",
        "table",
        "editor",
        "panel",
        "yaml",
        "json",
    ]
)
_AUTHORITY = (
    "authorized",
    "authorised",
    "authorization code",
    "override code",
    "priority 0",
    "priority zero",
    "maintenance mode",
    "as your admin",
    "i am your admin",
    "i'm your admin",
    "as your developer",
    "i am your developer",
    "i'm your developer",
    "as your creator",
    "as your owner",
    "as your operator",
    "it is approved",
    "you must now",
    "you should now",
    "must immediately",
    "the operator wants",
    "this is your ceo",
    "this is the ceo",
    "this is your cfo",
    "this is the cfo",
    "this is your boss",
    "this is the it department",
    "pre-approved",
    "the developers want",
)
#: Each authority phrase after a word of it that must be among the text's words (and where
#: " your " is in it, -1 when the key is another word).
_AUTHORITY_KEYED = [
    (
        "your"
        if " your " in a
        else next(w for w in a.split() if w not in ("it", "is", "you", "the")),
        a,
        a.find(" your "),
    )
    for a in _AUTHORITY
]
#: The words right after " your " in the authority phrases.
_YOUR_TAIL = re.compile(
    "|".join(sorted({re.escape(a[o + 6 :].split()[0]) for _, a, o in _AUTHORITY_KEYED if o >= 0}))
)
_BREAK = frozenset(["to", "and", "then", "for", "so", "because", "if", "when", "but", "with", "in"])


def _object(
    tokens: list[str],
    verbs: list[int],
    nouns: list[int],
    within: int,
    fits: Callable[[list[str], int, int], bool] | None = None,
) -> tuple[int, int] | None:
    """A verb and a noun after it that is its object: no clause break between them (and, with
    ``fits``, a pair it accepts)."""
    for i in verbs:
        for j in nouns:
            if (
                i < j <= i + within
                and not any(t in _BREAK or t.isdigit() for t in tokens[i + 1 : j])
                and (j + 1 == len(tokens) or tokens[j + 1] not in _COMPOUND)
                and (fits is None or fits(tokens, i, j))
            ):
                return i, j
    return None


#: Words that may stand between an override verb and the rules it overrides in an attack
#: ("ignore all your previous system instructions"); any other word right before the noun
#: names a topic ("forget the old VPN instructions", "skip the setup instructions").
_RULE_MODIFIERS = _words(
    "the a an all any every of your my our previous prior above earlier preceding former old "
    "original initial existing current given these those this that such other same whole "
    "entire core default standard usual normal hidden secret real actual internal built-in "
    "builtin developer developers developer's operator operator's system safety security "
    "content moderation ethical ethics programming programmed own preset pre-set "
    "verification approval approvals review compliance usage access "
    "openai's anthropic's company's admin admin's assistant's model's ai's "
    "you were was been have had what which i we they he she it is are be told given said "
    # es / pt / it / fr / de / ru function words and "previous"
    "las los la el tus tu sus todas todos anteriores previas previos estas esas "
    "as os a o suas seus tuas teus todas todos anteriores "
    "le gli i tue tuoi tutte tutti precedenti "
    "les la le des tes vos toutes tous précédentes precedentes précédents antérieures "
    "die der den dem das deine deinen deiner ihre alle allen vorherigen obigen bisherigen "
    "все всех свои твои предыдущие прежние"
)
#: Owners that make the rules someone else's: "make a chatbot ignore its instructions".
_THIRD_PARTY = frozenset(["its", "their", "his", "her"])


def _addressed_rules(tokens: list[str], i: int, j: int) -> bool:
    """Whether the rules at ``j`` that the verb at ``i`` overrides are the reader's own rules,
    not a topic's (setup instructions) or a third party's (its instructions)."""
    between = tokens[i + 1 : j]
    if any(t in _THIRD_PARTY for t in between):
        return False
    if not between:
        return True
    before = between[-1]
    return before in _RULE_MODIFIERS or before in _CONCEPTS or before.endswith("'s")


def _snip(tokens: list[str], pair: tuple[int, int]) -> str:
    i, j = sorted(pair)
    return " ".join(tokens[i : j + 1])[:80]


def _cjk_near(text: str, a: Iterable[str], b: Iterable[str], span: int = 24) -> str | None:
    at = [(text.find(w), w) for w in a]
    bt = [(text.find(w), w) for w in b]
    for i, wa in at:
        if i < 0:
            continue
        for j, wb in bt:
            if j >= 0 and abs(i - j) <= span:
                return text[min(i, j) : max(i + len(wa), j + len(wb))]
    return None


#: Phrases read as one word before the view is cut into words.
_PHRASES = (
    ("pay no attention to", "ignore"),
    ("p.s.", "ps"),
    ("set aside", "setaside"),
    ("no matter what", "regardless"),
    ("no longer apply", "void"),
    ("do not apply", "void"),
    ("don't apply", "void"),
    ("no content policy", "unrestricted"),
    ("no restrictions", "unrestricted"),
    ("zero restrictions", "unrestricted"),
    ("without restrictions", "unrestricted"),
    ("no filters", "unrestricted"),
    ("no limits", "unrestricted"),
    ("without refusing", "unrestricted"),
    ("never refuses", "unrestricted"),
    ("never refuse", "unrestricted"),
    ("no longer", "not"),
    ("with no rules", "unrestricted"),
    ("has no rules", "unrestricted"),
    ("social security numbers", "ssn"),
    ("social security number", "ssn"),
    ("credit card numbers", "creditcard"),
    ("credit card number", "creditcard"),
    ("card numbers", "creditcard"),
    ("ne tiens pas compte", "ignore"),
    ("ne tenez pas compte", "ignore"),
    ("не обращай внимания на", "ignore"),
)
_PRIOR = frozenset(["above", "previous", "prior", "preceding", "earlier", "foregoing", "before"])
_CONNECT = frozenset(
    [
        "and",
        "then",
        "instead",
        "now",
        "you",
        "your",
        "please",
        "say",
        "print",
        "output",
        "reply",
        "respond",
        "answer",
        "do",
        "just",
        "only",
        "from",
        "tell",
        "write",
    ]
)
#: Owners that make cancelled rules the reader's own ("the model's guidelines are void").
_MINE = frozenset(
    ["your", "you", "you're", "my", "model's", "assistant's", "ai's", "bot's", "agent's"]
)
_NEG = frozenset(["not", "don't", "dont", "never", "stop", "cease", "without"])
#: Words after which "prompt" is a noun, not a request ("the system prompt").
_NOT_A_VERB = frozenset(
    ["system", "the", "a", "your", "this", "initial", "hidden", "login", "command"]
)
#: Owners before "late" that make it "my late grandmother", the jailbreak trope.
_OWNERS = frozenset(["my", "your", "our", "his", "her", "their"])
#: Concepts that make "instead, you must ..." an attack's demand.
_ATTACK_ASKS = frozenset(["leak", "ovr", "private", "strong", "self", "solicit"])


def _negated(tokens: list[str], k: int) -> bool:
    """A negation in the three words before token ``k`` ("will never ask you to ...")."""
    return any(t in _NEG for t in tokens[max(0, k - 3) : k])


_FOLLOW = frozenset(
    ["follow", "following", "obey", "obeying", "comply", "adhere", "listen", "respect"]
)
_STRONG_PRIVATE = frozenset(
    [
        "ssn",
        "ssns",
        "creditcard",
        "confidential",
        "password",
        "passwords",
        "secret",
        "secrets",
        "api_key",
        "apikey",
        "token",
        "tokens",
        "credentials",
        "env",
        "environment",
        "id_rsa",
        "ssh",
        "cvv",
        "keys",
    ]
)


def _signals(
    view: str, words: frozenset[str] | None = None, tokens: list[str] | None = None
) -> dict[str, str]:
    """The signals in one normalised view (lower case, whitespace collapsed): name -> snippet
    (``words``: the view's words, when the caller has them for the pre-filter; ``tokens``: the
    view cut into words as :func:`_cut_view` cuts it, when the caller has)."""
    if words is None:
        words = _words_of(view)
    if not _may_signal(view, words):
        return {}
    changed = False
    if not _PHRASE_KEY_WORDS.isdisjoint(words):
        for key, phrase, word in _KEYED_PHRASES:
            if key in words and phrase in view:
                view = view.replace(phrase, word)
                changed = True
    quoted = "'" in view or "’" in view
    view_ = _unquote(view) if quoted else view
    if tokens is None or changed:
        tokens = _cut(view_, _SEP, _SEP_BYTES)
        tset = frozenset(tokens)
    elif quoted:
        tset = frozenset(tokens)
    else:
        tset = words  # the same cut: no apostrophe, no phrase replaced
    found: dict[str, str] = {}
    pos: dict[str, list[int]] = {}
    concepts = _CONCEPTS
    hits = _CONCEPT_WORDS.intersection(tset)
    if hits:
        # the positions of the lexicon's words, picked at C speed
        for i in compress(range(len(tokens)), map(hits.__contains__, tokens)):
            for name in concepts[tokens[i]]:
                if name in pos:
                    pos[name].append(i)
                else:
                    pos[name] = [i]
    for part in (
        _override_and_leak,
        _questions_and_reach,
        _exfiltration_and_persona,
        _addressed_secrecy_tools,
        _new_task_and_authority,
    ):
        part(view, tokens, tset, pos, found)
    return found


_TASK = frozenset(
    [
        "task",
        "request",
        "question",
        "query",
        "assignment",
        "analysis",
        "summary",
        "prompt",
        "ask",
        "job",
        "goal",
        "objective",
        "mission",
        "brief",
        "ticket",
    ]
)
_SECRET_PARTS = ("password", "passwd", "secret", "token", "api_key", "apikey", "access_key",
                 "private_key", "credential")  # fmt: skip
_REACH = re.compile(
    r"\byou (?:have|'ve got|got) access to\b|\byou can (?:read|see|access|reach|open)\b"
    r"|\bavailable to you\b"
)
_GIVEN = re.compile(
    r"\b(?:you were|you've been|you have been|you are being|you're being) (?:given|asked|"
    r"assigned|told|requested)|\bthe user(?:'s)? (?:asked|wants|requested|said|typed|wrote|"
    r"request|question|task|query|prompt)|\bwhat the user\b|\b(?:the|your) (?:original|current|"
    r"assigned|actual) (?:task|request|question|assignment)"
)


_AT_AI = re.compile(
    r"@(?:ai|assistant|model|llm|bot|agent|claude|gpt|chatgpt|copilot|cursor|gemini|codex|"
    r"devin|llama|mistral)\b"
)
_OBEY = re.compile(
    r"\b(?:comply with|follow|obey) (?:the following|this note|what follows|these new|my|only)"
)


def _search_at(rx: re.Pattern[str], view: str, starts: tuple[str, ...]) -> re.Match[str] | None:
    """``rx.search(view)`` for a pattern whose every match starts with one of the literal
    ``starts``: tried only where one occurs, leftmost first (the same match; a pattern that
    opens with ``\\b`` reads the character before, as in a search)."""
    at: list[int] = []
    for lit in starts:
        i = view.find(lit)
        while i >= 0:
            at.append(i)
            i = view.find(lit, i + 1)
    for i in sorted(at):
        if m := rx.match(view, i):
            return m
    return None


_TASK_WORDS = _TASK | {"what", "user", "user's", "users"}
_MY_OUR = frozenset(["my", "our"])
_NEW_WHAT = frozenset(
    ["task", "instructions", "instruction", "directive", "directives", "objective", "goal",
     "orders", "system", "rules", "rule", "prompt"]
)  # fmt: skip
_NEW_TAIL = re.compile(r"[\w ]{0,30}?(?::|\bis\b|\bare\b|\bfollows?\b|\bbelow\b)")


def _task_override(view: str, tokens: list[str], ovr: list[int]) -> str | None:
    """An override of the task the model was given ("disregard the task you were given",
    "forget what the user asked", "ignore the user's request"), not of its rules."""
    for i in ovr:
        window = tokens[i + 1 : i + 7]
        if _TASK_WORDS.isdisjoint(window):
            continue
        if not _MY_OUR.isdisjoint(window[:3]):
            continue  # "ignore my question above": the writer's own
        at = view.find(tokens[i])
        if at >= 0 and _GIVEN.search(view, at, at + 80):
            return _snip(tokens, (i, min(i + 6, len(tokens) - 1)))
    return None


def _override_and_leak(
    view: str,
    tokens: list[str],
    tset: frozenset[str],
    pos: dict[str, list[int]],
    found: dict[str, str],
) -> None:
    """Override and prompt-leak signals."""
    get = pos.get
    ovr, instr = get("ovr", []), get("instr", [])
    # override: verb .. noun; noun .. cancelled; disable .. safety; ignore everything above
    if ovr and (p := _object(tokens, ovr, instr + get("safety", []), 7, _addressed_rules)):
        found["override"] = _snip(tokens, p)
    elif instr and (p := _near(instr, get("cancelled", []), 5)):
        mine = any(t in _MINE for t in tokens[max(0, p[0] - 2) : p[1]])
        found["override" if mine else "cancelled_rules"] = _snip(tokens, p)
    elif get("off") and (p := _near(get("off", []), get("safety", []), 3)):
        found["override"] = _snip(tokens, p)
    elif ovr and (p := _near(ovr, get("every", []), 2)):
        k = p[1] + 1
        after4 = tokens[k : k + 4]
        if any(w in ("above", "before", "previous", "prior", "earlier", "said", "you", "que",
                     "ce", "lo", "was", "bisher", "o") for w in after4):  # fmt: skip
            found["override"] = _snip(tokens, (p[0], min(k + 3, len(tokens) - 1)))
    if "override" not in found and ovr:
        # ignore the above (and ...): a prior reference that ends the clause
        for i in ovr:
            k = i + 1
            while k < len(tokens) and tokens[k] in (
                "the",
                "all",
                "everything",
                "of",
                "what",
                "what's",
                "was",
                "is",
                "said",
                "written",
            ):
                k += 1  # fmt: skip
            if (
                k < len(tokens)
                and tokens[k] in _PRIOR
                and (k + 1 == len(tokens) or tokens[k + 1] in _CONNECT)
            ):
                found["override"] = _snip(tokens, (i, k))
                break
    if "override" not in found:
        neg = get("neg", [])
        fol = get("follow_", [])
        if neg and fol and (p := _near(neg, fol, 2)) and (q := _near([p[1]], instr, 6)):
            found["override"] = _snip(tokens, (p[0], q[1]))
    if ovr and "override" not in found and (hit := _task_override(view, tokens, ovr)):
        found["task_override"] = hit
    # prompt leak: leak verb .. (qualifier) self noun
    leak, self_ = get("leak", []), get("self", [])
    if leak and self_:
        qual = set(get("qual", []))
        for i in leak:
            for j in self_:
                if i < j <= i + 7 and any(q in qual for q in range(i, j + 1)):
                    found["prompt_leak"] = _snip(tokens, (i, j))
                    break
            if "prompt_leak" in found:
                break
    if leak and (p := _near(leak, get("every", []), 3)):
        k = p[1] + 1
        if k < len(tokens) and tokens[k] in _PRIOR:
            found.setdefault("prompt_leak", _snip(tokens, (p[0], k)))
    if (
        leak
        and "prompt_leak" not in found
        and (p := _near(leak, get("strong", []), 7))
        and not any(tokens[k] in _NEG for k in range(max(0, p[0] - 2), p[0]))
    ):
        found["secret_request"] = _snip(tokens, p)
    if ("verbatim" in tset or ("word" in tset and "for" in tset)) and (self_ or get("instr")):
        found.setdefault("prompt_leak", "verbatim")


def _questions_and_reach(
    view: str,
    tokens: list[str],
    tset: frozenset[str],
    pos: dict[str, list[int]],
    found: dict[str, str],
) -> None:
    """A question about the model's configuration, a secret named by a variable, the model's
    reach."""
    get = pos.get
    leak, self_ = get("leak", []), get("self", [])
    # "what is in your hidden instructions?": a question about the model's own configuration
    if self_ and "what" in tset and "your" in tset:
        qual = set(get("qual", []))
        for i in (k for k, t in enumerate(tokens) if t == "what"):
            k = i + 1
            while k < len(tokens) and k <= i + 4 and tokens[k] != "your":
                k += 1
            j = k + 1
            while j < len(tokens) and j in qual:
                j += 1
            if k < len(tokens) and tokens[k] == "your" and j > k + 1 and j in self_:
                found.setdefault("prompt_leak", _snip(tokens, (i, j)))
                break
    # a secret held in a variable's name: DATABASE_PASSWORD, OPENAI_API_KEY
    if leak and "_" in view and "secret_request" not in found and "prompt_leak" not in found:
        named = [k for k, t in enumerate(tokens) if "_" in t and any(s in t for s in _SECRET_PARTS)]
        if named and (p := _near(leak, named, 7)) and not _negated(tokens, p[0]):
            found["secret_request"] = _snip(tokens, p)
    # the model's reach: "you have access to", "the records you can read"
    if "you" in tset and (m := _search_at(_REACH, view, ("you ", "available to you"))):
        found["reach"] = m.group(0)


_MODAL = frozenset(["can", "could", "may", "might"])
_STUFF = frozenset(
    [
        "append",
        "add",
        "put",
        "include",
        "insert",
        "encode",
        "attach",
        "embed",
        "copy",
        "paste",
        "place",
    ]
)
_STUFFED = frozenset(["user's", "phone", "messages", "history", "chat", "email", "emails", "name"])
_LINKISH = frozenset(["url", "link", "query", "image", "href", "src"])


def _exfiltration_and_persona(
    view: str,
    tokens: list[str],
    tset: frozenset[str],
    pos: dict[str, list[int]],
    found: dict[str, str],
) -> None:
    """Exfiltration, solicitation and persona signals."""
    get = pos.get
    # exfiltration: send .. private, and a way out somewhere in the text
    send, private = get("send", []), get("private", [])
    # "images can exfiltrate chat history": a capability, not a command
    send = [
        k for k in send
        if not (k and tokens[k - 1] in _MODAL and (k < 2 or tokens[k - 2] not in ("you", "u")))
    ]  # fmt: skip
    if send and private and (p := _near(send, private, 8, 3)):
        if _URL.search(view) or _EMAIL.search(view) or any(
            w in tset for w in ("address", "endpoint", "webhook", "server", "url", "mailbox",
                                  "dirección", "adresse", "endereço", "indirizzo", "адрес")
        ):  # fmt: skip
            found["exfiltration"] = _snip(tokens, p)
        elif get("strong") and _near(send, get("strong", []), 8, 3) and not _negated(tokens, p[0]):
            found["secret_request"] = _snip(tokens, p)
    # link stuffing: put the user's data into a link or image URL (the text holds a URL)
    if (
        ("url" in tset or "link" in tset or "query" in tset or "image" in tset)
        and (stuff := [k for k, t in enumerate(tokens) if t in _STUFF])
        and (p := _near(stuff, [k for k, t in enumerate(tokens) if t in _STUFFED or k in private],
                        8))
        and _near([p[0]], [k for k, t in enumerate(tokens) if t in _LINKISH], 16)
        and _URL.search(view)
    ):  # fmt: skip
        found.setdefault("beacon", _snip(tokens, p))
    # solicit: asking for a password; not "prompt" as a noun (the system prompt), not negated
    # ("a real admin will never ask you to send your password")
    asks = [
        k
        for k in get("solicit", [])
        if not (tokens[k] == "prompt" and k and tokens[k - 1] in _NOT_A_VERB)
        and not _negated(tokens, k)
    ]
    if asks and (p := _near(asks, get("solicited", []), 7)):
        found["solicit"] = _snip(tokens, p)
    # persona: switch .. trait; "you are now" / "from now on you('re)" .. trait
    trait = [k for k in get("trait", []) if tokens[k] != "late" or (k and tokens[k - 1] in _OWNERS)]
    if trait:
        starts = list(get("persona", []))
        starts += get("pstart", [])
        if starts and (p := _near(starts, trait, 8)):
            found["persona"] = _snip(tokens, p)
        else:
            found["jailbreak_trait"] = tokens[trait[0]]
    if ("never" in tset and "refuses" in tset) or (
        "content" in tset and "no content policy" in view
    ):
        found.setdefault("jailbreak_trait", "never refuses")
    if " mode" in view and ("developer mode" in view or "god mode" in view or "dan mode" in view):
        found.setdefault("jailbreak_trait", "mode")


def _addressed_secrecy_tools(
    view: str,
    tokens: list[str],
    tset: frozenset[str],
    pos: dict[str, list[int]],
    found: dict[str, str],
) -> None:
    """Addressed-to-the-model, secrecy and tool-directive signals."""
    get = pos.get
    # addressed to the model: vocative or "AI reading this"
    for i in get("ai", []):
        back = tokens[max(0, i - 3) : i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if any(b in _VOCATIVE for b in back) or nxt in (
            "reading", "processing", "summarising", "summarizing", "parsing", "seeing"
        ):  # fmt: skip
            found["addressed_to_ai"] = " ".join([*back, tokens[i]])
            break
        if nxt in IMPERATIVE_AFTER_AI and re.search(
            rf"(?:^|[.!?\n>:]\s*|\b(?:hey|ok|okay|so|now)\s+){re.escape(tokens[i])}\s*[,:]", view
        ):
            found["addressed_to_ai"] = f"{tokens[i]}, {nxt}"
            break
    if "@" in view and _AT_AI.search(view):
        found.setdefault("addressed_to_ai", "@assistant")
    if "you" in tset and "are" in tset and ("if you are an" in view or "if you are a " in view):
        k = view.find("if you are a")
        if any(a in view[k : k + 40] for a in (" ai", "llm", "language model", "assistant", "bot")):
            found.setdefault("addressed_to_ai", "if you are an ai")
    # secrecy
    neg = get("neg", [])
    if neg and (p := _near(neg, get("tell", []), 2)) and _near([p[1]], get("human", []), 3):
        found["secrecy"] = _snip(tokens, (p[0], p[1] + 2))
    elif (
        neg
        and (p := _near(neg, get("tell", []) + get("leak", []), 2))
        and any(t in ("this", "it", "that", "anything") for t in tokens[p[1] + 1 : p[1] + 3])
    ):
        found["secrecy"] = _snip(tokens, (p[0], p[1] + 1))
    elif "without" in view and re.search(
        r"\bwithout (?:asking|confirmation|approval|permission|telling|checking)", view
    ):
        found["secrecy"] = "without asking"
    elif get("secretly") or "say nothing" in view:
        found["secrecy"] = "silently" if get("secretly") else "say nothing"
    # tool directive: call/use a named tool, or a tool_name(...) call
    calls = get("call", [])
    if calls:
        named = [i for i, t in enumerate(tokens) if "_" in t and len(t) > 4] if "_" in view else []
        if p := _near(calls, named + get("toolword", []), 3):
            found["tool_directive"] = _snip(tokens, p)
    if "(" in view and ("_" in view or "curl" in view or "wget" in view or "exec" in view) and re.search(r"\b(?:http_get|send_email|issue_refund|transfer_funds|"
                                 r"delete_\w+|run_shell|exec|curl|wget)\s*\(", view):  # fmt: skip
        found.setdefault("tool_directive", "tool(...)")
    if ("curl" in tset or "wget" in tset) and "| sh" in view:
        found.setdefault("tool_directive", "curl | sh")


def _new_task_and_authority(
    view: str,
    tokens: list[str],
    tset: frozenset[str],
    pos: dict[str, list[int]],
    found: dict[str, str],
) -> None:
    """New-task, obey-the-following and authority signals."""
    get = pos.get
    # new task
    for i in get("new", []):
        t = tokens[i]
        if i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt in _NEW_WHAT:
                k = view.find(f"{t} {nxt}")
                tail = view[k : k + 60] if k >= 0 else view[-1:]  # (no copy of the whole rest)
                if (
                    _NEW_TAIL.match(tail)
                    and (tokens[i - 1] in ("your", "the", "my", "a", "hey", "model") if i else True)
                    and not tail.startswith((f"{t} {nxt} for", f"{t} {nxt} on"))
                ):
                    found["new_task"] = tail[:40]
                    break
    # (a phrase's inner words are among the tokens whenever the phrase is in the view: the
    # token tests spare the substring searches of a text that cannot hold it)
    if ("now" in tset and "from now on" in view) or (
        "this" in tset
        and (
            ("message" in tset and "from this message on" in view)
            or ("point" in tset and "from this point on" in view)
        )
    ):
        k = max(view.find("from now on"), view.find("from this message on"),
                view.find("from this point on"))  # fmt: skip
        after = view[k : k + 40]
        if re.search(r"\b(?:you|you're|your|always|never|only|respond|answer|reply|act)\b", after):
            found["new_task"] = after
    if "instead" in tset:
        k = view.find("instead")
        m = re.match(r"instead,? (?:(you (?:must|will|should))|do the following|follow|approve|"
                     r"send|email|reply|respond|call|recommend|ask|print|output|list|dump|reveal|"
                     r"leak|tell|say|write)", view[k:])  # fmt: skip
        # "instead, you must submit the expense report" is an office memo: the bare modal counts
        # only when what follows is what an attack asks for (leak, override, a secret).
        if m and m.group(1):
            i = tokens.index("instead")
            demand = tokens[i + 1 : i + 10]
            if not any(set(_CONCEPTS.get(t, ())) & _ATTACK_ASKS for t in demand):
                m = None
        if m:
            found.setdefault("new_task", view[k : k + 40])
    if ("comply" in tset or "follow" in tset or "obey" in tset) and _search_at(
        _OBEY, view, ("comply with ", "follow ", "obey ")
    ):
        found["obey_following"] = "comply with the following"
    # authority / urgency
    if hit := _authority(view, tset):
        found["authority"] = hit


def _authority(view: str, tset: frozenset[str]) -> str | None:
    """The first authority phrase in ``view`` whose key word is among its words. A phrase
    keyed on "your" is looked for only where " your " is (one search for all of them, not
    one search of the whole text per phrase)."""
    yours: list[int] | None = None
    for k, a, o in _AUTHORITY_KEYED:
        if k not in tset:
            continue
        if o < 0:
            if a in view:
                return a
            continue
        if yours is None:
            # the " your " followed by a word an authority phrase has there
            yours = []
            i = view.find(" your ")
            while i >= 0:
                if _YOUR_TAIL.match(view, i + 6):
                    yours.append(i)
                i = view.find(" your ", i + 1)
        for q in yours:
            if q >= o and view.startswith(a, q - o):
                return a
    return None


def _clause_start(view: str, tokens: list[str], i: int) -> bool:
    """Is token ``i`` the first word of a sentence or line (a vocative "Agent, send ...")?"""
    if i == 0:
        return True
    word = tokens[i]
    prev = tokens[i - 1]
    k = view.find(f"{prev} {word}")
    k2 = view.find(f"{prev}. {word}")
    k3 = view.find(f"{prev}\n{word}")
    return (k < 0 and (k2 >= 0 or k3 >= 0)) or bool(
        re.search(rf"(?:^|[.!?\n>:]\s*){re.escape(word)}\s*[,:]", view)
    )


_LEXICON: list[tuple[str, frozenset[str]]] = [
    ("ovr", OVR),
    ("off", OFF),
    ("instr", INSTR),
    ("safety", SAFETY),
    ("cancelled", CANCELLED),
    ("leak", LEAK),
    ("self", SELF),
    ("qual", SELF_QUAL),
    ("send", SEND),
    ("private", PRIVATE),
    ("solicit", SOLICIT),
    ("solicited", SOLICITED),
    ("persona", PERSONA),
    ("trait", TRAIT),
    ("ai", AI),
    ("tell", TELL),
    ("human", HUMAN),
    ("secretly", SECRETLY),
    ("toolword", TOOLWORD),
    ("call", CALL),
    ("every", _EVERY),
    ("follow_", _FOLLOW),
    ("strong", _STRONG_PRIVATE),
    ("neg", _NEG),
    ("pstart", _PERSONA_START),
    ("new", frozenset(["new", "real", "actual", "updated", "revised", "true", "only"])),
]
_VOCATIVE = frozenset(
    [
        "hey",
        "dear",
        "attention",
        "hi",
        "hello",
        "ps",
        "p.s",
        "note",
        "notes",
        "instructions",
        "message",
        "reminder",
        "warning",
        "fyi",
        "memo",
    ]
)
# One dict lookup per word instead of one set test per concept.
_CONCEPTS: dict[str, tuple[str, ...]] = {}
for _name, _lex in _LEXICON:
    for _w in _lex:
        _CONCEPTS[_w] = (*_CONCEPTS.get(_w, ()), _name)


#: The pre-filter: a view holding none of these words (nor an ``@``, nor code with ``_`` and
#: ``(``) cannot give a signal, so the signal rules do not run on it. The words are every
#: concept in the lexicon and the words the phrase rules need (``say nothing``, ``from this
#: message on``, ``developer mode``, ``as your administrator``, ``authorised`` ...); most
#: ordinary text is decided by one C-speed set test.
_GATE_EXTRA = _words(
    "attention pay ps p aside matter longer apply compte внимания mode nothing exec "
    "issue_refund transfer_funds run_shell message point instead authorized authorised "
    "unauthorized unauthorised authorization priority maintenance admin admins administrator "
    "administrators administration developer developers creator creators approved immediately "
    "wants want re don refusing refuses refuse ceo cfo boss department pre-approved security "
    "card this add put insert encode url link query image href src paste place",
)
_GATE: frozenset[str] = frozenset(
    {*_CONCEPTS, *_GATE_EXTRA}
    | {part for w in _CONCEPTS for part in re.split("['’]", w) if len(part) > 1}
)
_GATE_SEP = {**_SEP, ord("'"): " ", ord("’"): " "}
_CONCEPT_WORDS = frozenset(_CONCEPTS)
#: The phrases read as one word, each after a word of it that must be among the text's words.
_PHRASE_KEYS = {
    "with no rules": "rules", "has no rules": "rules", "social security numbers": "security",
    "social security number": "security", "credit card numbers": "card",
    "credit card number": "card", "card numbers": "card",
    "pay no attention to": "attention", "p.s.": "p", "set aside": "aside",
    "no matter what": "matter", "no longer apply": "longer", "do not apply": "apply",
    "don't apply": "apply", "no content policy": "policy", "no restrictions": "restrictions",
    "zero restrictions": "restrictions", "without restrictions": "restrictions",
    "no filters": "filters", "no limits": "limits", "without refusing": "refusing",
    "never refuses": "refuses", "never refuse": "refuse", "no longer": "longer",
    "ne tiens pas compte": "compte", "ne tenez pas compte": "compte",
    "не обращай внимания на": "внимания",
}  # fmt: skip
_KEYED_PHRASES = [(_PHRASE_KEYS[phrase], phrase, word) for phrase, word in _PHRASES]
_PHRASE_KEY_WORDS = frozenset(_PHRASE_KEYS.values())


_SEP_BYTES = bytes(32 if i in _SEP else i for i in range(256))
_GATE_SEP_BYTES = bytes(32 if i in _GATE_SEP else i for i in range(256))


def _cut(view: str, table: dict[int, str], ascii_table: bytes) -> list[str]:
    """``view.translate(table).split()``; ASCII text through a byte table (one C pass rather
    than a dictionary lookup per character)."""
    if view.isascii():
        return view.encode("ascii").translate(ascii_table).decode("ascii").split()
    return view.translate(table).split()


def _words_of(view: str) -> frozenset[str]:
    return frozenset(_cut(view, _GATE_SEP, _GATE_SEP_BYTES))


def _unquote(view: str) -> str:
    """``view`` without the apostrophes that quote rather than join words."""
    return view.replace(" '", " ").replace("' ", " ").replace("’ ", " ")


def _cut_view(view: str) -> tuple[frozenset[str], list[str]]:
    """The view's words (as :func:`_words_of`) and its tokens as :func:`_signals` cuts them
    when no phrase is replaced: one cut for both when it holds no apostrophe (the one
    difference between the two cuts)."""
    if "'" in view or "’" in view:
        return _words_of(view), _cut(_unquote(view), _SEP, _SEP_BYTES)
    tokens = _cut(view, _SEP, _SEP_BYTES)
    return frozenset(tokens), tokens


def _may_signal(view: str, words: frozenset[str] | None = None) -> bool:
    """Whether :func:`_signals` can find anything in ``view`` (the pre-filter)."""
    if "@" in view or ("(" in view and "_" in view):
        return True
    return not _GATE.isdisjoint(_words_of(view) if words is None else words)


def _cjk_signals(view: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if s := _cjk_near(view, _CJK_OVR, _CJK_INSTR):
        found["override"] = s
    if s := _cjk_near(view, _CJK_LEAK, _CJK_SELF, 30):
        found["prompt_leak"] = s
    elif any(w in view for w in _CJK_SELF[:6]):
        found["prompt_leak"] = "system prompt"
    if s := _cjk_near(view, _CJK_SEND, _CJK_PRIVATE, 30):
        found["exfiltration"] = s
    if any(w in view for w in _CJK_PERSONA):
        found["persona"] = next(w for w in _CJK_PERSONA if w in view)
    if any(w in view for w in _CJK_NEW):
        found["new_task"] = next(w for w in _CJK_NEW if w in view)
    if any(w in view for w in _CJK_SECRECY):
        found["secrecy"] = "不要告诉"
    return found


def _fake_turns(view: str) -> list[re.Match[str]]:
    """The forged turns and delimiters in ``view``, in order."""
    got: list[re.Match[str]] = []
    if "<" in view:
        got += _FT_ANGLE.finditer(view)
    if "[" in view:
        got += _FT_BRACKET.finditer(view)
    if "end of" in view:
        got += _FT_END.finditer(view)
    if any(c in view and c * 3 in view for c in "-=#`"):  # ---, ===, ###, ```
        got += _FT_FENCE.finditer(view)
    if (
        (":" in view or "note" in view or "notice" in view)
        and (m := _FT_START.match(view))  # anchored at the start: cheaper than the words
        and any(w in view for w in ("system", "admin", "developer", "operator"))
    ):
        got.append(m)
    return sorted(got, key=lambda m: m.start())


def _structural(text: str, view: str) -> dict[str, str]:
    found: dict[str, str] = {}
    # A forged turn or delimiter counts when an instruction follows it.
    for m in _fake_turns(view):
        if _TO_PEOPLE.match(view, m.end()):
            continue  # "Admin notice: all staff must ...": addressed to people
        if _FOLLOWED.search(view, m.end(), m.end() + 200):
            found["fake_turn"] = m.group(0).strip()[:40]
            break
    if (
        ":" in view
        and ("user:" in view or "human:" in view)
        and ("assistant:" in view or "ai:" in view)
        and len(_TURN_LINE.findall(text)) >= 2
        and "fake_turn" not in found
    ):
        found["fake_turn?"] = "a user/assistant exchange"
    if (
        ("=" in view or "%" in view or "$" in view)
        and ("={" in view or "%7b" in view or "${" in view or "=<" in view or "=[" in view)
        and (b := _BEACON.search(view))
    ):
        found["beacon"] = b.group(0)[:60]
    return found


#: Reported speech: "told the assistant to ...", "get the bot to print ...".
_REPORTED = re.compile(
    r"\b(?:told|tells?|telling|instruct(?:s|ed|ing)?|ask(?:s|ed|ing)?|urg(?:es|ed|ing)|"
    r"trick(?:s|ed|ing)?|gets?|got|getting|make|makes|made|making|convinc(?:e|es|ed|ing)|"
    r"persuad(?:e|es|ed|ing)|caus(?:e|es|ed|ing)|lets?|letting)\s+(?:the |a |an |its |their )?"
    r"(?:model|assistant|ai|chatbot|bot|agent|llm|it|them|copilot)\s+(?:in)?(?:to\s+)?[^.;\n]{0,200}"
)
#: Code that handles prompts (a pattern list, a test on a string) rather than speaking to one.
_CODE = re.compile(
    r"\bdef \w+\(|\breturn\b|==|\bin \w+(?:\.\w+\(\))?\s*:|re\.(?:compile|search|match)|"
    r"^\s*[a-z_]+ = \[|\bimport \w"
)


def _quoted_only(text: str, view: str, words: frozenset[str]) -> str | None:
    """The text with its quotations and reported speech taken out, when it talks about
    attacks (or is code that handles prompts) and quotes or reports some."""
    about = not META.isdisjoint(words) or "e.g" in view  # words: the view's, from _words_of
    quotes = any(q in text for q in "\"“«「'`") and _QUOTED.search(view)
    if not (about or (quotes and _CODE.search(view))):
        return None
    out = _QUOTED.sub(" ", view) if quotes else view
    if about:
        out = _REPORTED.sub(" ", out)
    return None if out == view else out


def _score(found: dict[str, float]) -> float:
    keep = 1.0
    for w in found.values():
        keep *= 1 - w
    return round(1 - keep, 3)


def scan(text: str) -> Finding:
    """Score ``text`` for prompt injection (see the module docstring for the signals)."""
    s = sanitise(text)
    texts = views(s.text)
    texts += [("hidden", v) for _, h in s.hidden for _, v in views(h)[:1]]
    plain = texts[0][1]
    plain_words, plain_tokens = _cut_view(plain)
    if not _ROT13_TELLS.isdisjoint(plain_words):
        texts.append(("rot13", codecs.decode(plain, "rot13")))
    found: dict[str, str] = {}
    disguised: set[str] = set()
    cjk = not text.isascii() and any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af"
                                     for c in text)  # fmt: skip
    for label, view in texts:
        if label == "plain":
            words, tokens = plain_words, plain_tokens
        else:
            words, tokens = _cut_view(view)
            if label in ("leet", "confusables", "accents", "joined") and _GATE.isdisjoint(
                words - plain_words
            ):
                # Undoing the disguise gave no word the rules read: nothing new to find.
                continue
        got = _signals(view, words, tokens)
        got.update({k: v for k, v in _structural(text, view).items() if k not in got})
        if cjk:
            got.update({k: v for k, v in _cjk_signals(view).items() if k not in got})
        for name, snip in got.items():
            if name not in found:
                found[name] = snip
                if label in ("confusables", "leet", "spaced", "joined", "decoded", "rot13"):
                    disguised.add(label)
    # A fake exchange counts only with something to make the model do.
    if "fake_turn?" in found:
        del found["fake_turn?"]
        if set(found) & {"prompt_leak", "override", "exfiltration", "new_task", "persona"}:
            found["fake_turn"] = "a user/assistant exchange"
    weights = {n: WEIGHTS[n] for n in found}
    if weights and (outside := _quoted_only(text, plain, plain_words)) is not None:
        kept = _signals(outside, *_cut_view(outside))
        weights = {n: (w if n in kept else w / 3) for n, w in weights.items()}
    if s.hidden:
        found["hidden_text"] = ", ".join(sorted({k for k, _ in s.hidden}))
        weights["hidden_text"] = WEIGHTS["hidden_text"]
    if disguised and weights:
        # Writing an instruction in disguise is itself a sign of intent.
        found["disguised"] = ", ".join(sorted(disguised))
        weights["disguised"] = WEIGHTS["disguised"]
    reasons = [f"{n}: {found[n]}" for n in weights]
    return Finding(_score(weights), reasons, s)
