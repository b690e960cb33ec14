/**
 * The demo's input data: forty customer-support e-mails to a fictional SaaS company, one text file
 * each (`msg-001.txt` … `msg-040.txt`), and the one edit the demo makes afterwards.
 *
 * Rules:
 * - The same messages every time: slots (names, amounts, dates, invoice numbers) are filled and
 *   the order is shuffled by a seeded generator, never by `Math.random` or the clock.
 * - Each message is written about one topic (billing, refund, outage, login, praise) so the
 *   scorer's categories can be checked against it; some are urgent ("down", "immediately",
 *   "charged twice"), most are not.
 */

export const TOPICS = ['billing', 'refund', 'outage', 'login', 'praise'] as const;
export type Topic = (typeof TOPICS)[number];

export interface SupportMessage {
  /** The file name in the `messages` repo, e.g. `msg-007.txt`. */
  readonly name: string;
  /** What the message was written about; the scorer never sees this. */
  readonly topic: Topic;
  /** The file's content: a few mail headers, a blank line, the body. */
  readonly text: string;
}

interface Template {
  readonly topic: Topic;
  readonly subject: string;
  readonly body: string;
}

/** Slots: {plan} {amount} {amount2} {invoice} {date} {time} {agent} {seats}. */
const TEMPLATES: readonly Template[] = [
  {
    topic: 'billing',
    subject: 'Charged twice this month',
    body: 'Hi, I was charged twice for my {plan} subscription this month ({amount}, two times on {date}). Please fix this immediately, my card is nearly maxed out.',
  },
  {
    topic: 'billing',
    subject: 'Copy of invoice {invoice}',
    body: 'Could you send me a copy of invoice {invoice}? Our accounting team needs it for the quarter close.',
  },
  {
    topic: 'billing',
    subject: 'Invoice shows the old price',
    body: 'We upgraded to the {plan} plan last week but the latest invoice still shows the old price. Can someone check our billing?',
  },
  {
    topic: 'billing',
    subject: 'Changing the card on file',
    body: 'How do I change the credit card on file? The old one expires next month.',
  },
  {
    topic: 'billing',
    subject: 'Billed more than the pricing page says',
    body: 'Your pricing page says {amount} per month for {plan}, but I was billed {amount2}. Why the difference?',
  },
  {
    topic: 'billing',
    subject: 'Payment keeps failing',
    body: "Payment failed again even though the card works everywhere else. Can you look into it? We don't want the account suspended.",
  },
  {
    topic: 'billing',
    subject: 'Annual billing discount?',
    body: 'Is there a discount for annual billing on the {plan} plan? We are a small nonprofit.',
  },
  {
    topic: 'billing',
    subject: 'CHARGED TWICE AGAIN',
    body: 'I got charged twice AGAIN. This is the third month in a row. Fix it now or we cancel the subscription!!',
  },
  {
    topic: 'billing',
    subject: 'VAT number on invoices',
    body: 'Please add our VAT number to future invoices. It is on the billing profile but missing from invoice {invoice}.',
  },
  {
    topic: 'refund',
    subject: 'Refund after cancelling',
    body: "I cancelled my subscription on {date} but was still charged {amount}. I'd like a refund, please.",
  },
  {
    topic: 'refund',
    subject: 'Refund for unused seats',
    body: 'Requesting a refund for invoice {invoice}: we were billed for {seats} seats but only use 3.',
  },
  {
    topic: 'refund',
    subject: 'Still waiting for my refund',
    body: "It's been two weeks and I still haven't received the refund you promised. This is unacceptable, I need my money back immediately.",
  },
  {
    topic: 'refund',
    subject: 'Bought the wrong plan',
    body: 'I accidentally bought the annual plan instead of monthly. Can I get a refund for the difference?',
  },
  {
    topic: 'refund',
    subject: 'Export never worked',
    body: 'The export feature never worked for us, so we would like our money back for this month.',
  },
  {
    topic: 'refund',
    subject: 'How long do refunds take?',
    body: 'How long does a refund usually take to appear on a credit card statement?',
  },
  {
    topic: 'refund',
    subject: 'Refund, double charge',
    body: 'Refund please. Charged twice for the same order {invoice}, and your chat bot is useless.',
  },
  {
    topic: 'outage',
    subject: 'SITE IS DOWN',
    body: 'Your site is down!!! None of our team can load the dashboard. We have a client demo in an hour, please respond immediately.',
  },
  {
    topic: 'outage',
    subject: 'API returning 500 errors',
    body: 'The API has been returning 500 errors since {time}. Our production checkout is broken. Urgent.',
  },
  {
    topic: 'outage',
    subject: 'Mobile app stuck loading',
    body: 'Is there an outage? The mobile app just spins forever on the loading screen.',
  },
  {
    topic: 'outage',
    subject: 'Reports not refreshing',
    body: "Reports haven't refreshed since this morning. The data seems stuck at {time}.",
  },
  {
    topic: 'outage',
    subject: 'Everything down in the EU workspace',
    body: 'Everything is down for all users in our EU workspace. This is costing us money every minute, escalate this now.',
  },
  {
    topic: 'outage',
    subject: 'Webhooks stopped',
    body: 'Webhooks stopped arriving about an hour ago. Nothing on your status page though.',
  },
  {
    topic: 'outage',
    subject: 'Slow sync today',
    body: 'Sync is very slow today, pages take 30 seconds to load. Not critical, just annoying.',
  },
  {
    topic: 'outage',
    subject: 'Export job failing',
    body: "The export job has failed three times in a row with 'service unavailable'. We need the file for a board meeting tomorrow.",
  },
  {
    topic: 'login',
    subject: "Can't log in",
    body: "I can't log in: it says my password is wrong, but I just reset it.",
  },
  {
    topic: 'login',
    subject: 'Locked out after enabling 2FA',
    body: 'I am locked out of my account after enabling 2FA, and I lost my phone. Please help, I need access immediately to run payroll.',
  },
  {
    topic: 'login',
    subject: 'Password reset email missing',
    body: 'The password reset email never arrives. I checked the spam folder too.',
  },
  {
    topic: 'login',
    subject: 'SSO loop',
    body: 'Signing in with Google SSO loops straight back to the sign in page.',
  },
  {
    topic: 'login',
    subject: 'Inviting a colleague',
    body: 'How do I invite a colleague so they can sign in to our workspace?',
  },
  {
    topic: 'login',
    subject: 'Whole team locked out',
    body: 'Our whole team is locked out since the update, nobody can sign in. Urgent!',
  },
  {
    topic: 'login',
    subject: 'Session expired on mobile',
    body: "Login works on desktop, but the mobile app keeps saying 'session expired'.",
  },
  {
    topic: 'login',
    subject: 'Changing my login email',
    body: 'Can I change the email address I use to log in?',
  },
  {
    topic: 'praise',
    subject: 'The new dashboard',
    body: 'Just wanted to say thanks: the new dashboard is fantastic and saved my team hours this week.',
  },
  {
    topic: 'praise',
    subject: 'Great support from {agent}',
    body: '{agent} was incredibly helpful on chat yesterday. Great support, thank you!',
  },
  {
    topic: 'praise',
    subject: 'Dark mode',
    body: 'Love the new dark mode. Keep up the great work!',
  },
  {
    topic: 'praise',
    subject: 'Faster CSV export',
    body: 'The CSV export is so much faster now. Awesome job, really appreciate it.',
  },
  {
    topic: 'praise',
    subject: 'Happy customer',
    body: "We've used a lot of tools and yours is by far the easiest. Happy customer here.",
  },
  {
    topic: 'praise',
    subject: 'Onboarding guide',
    body: 'Quick note: the onboarding guide was clear and helpful. Thanks!',
  },
  {
    topic: 'praise',
    subject: 'Mobile app update',
    body: 'Amazing update, the mobile app finally feels smooth. Brilliant.',
  },
  {
    topic: 'praise',
    subject: 'Timezone fix',
    body: 'Thank you for fixing the timezone bug so quickly, excellent service.',
  },
];

const FIRST_NAMES = [
  'Dana',
  'Luis',
  'Priya',
  'Tom',
  'Mei',
  'Kofi',
  'Sara',
  'Jonas',
  'Aisha',
  'Marek',
  'Elena',
  'Yuki',
];
const LAST_NAMES = [
  'Whitfield',
  'Moreno',
  'Raman',
  'Becker',
  'Chen',
  'Mensah',
  'Lindqvist',
  'Novak',
  'Haddad',
];
const COMPANIES = [
  'northwind.example',
  'acme.example',
  'bluefin.example',
  'kestrel.example',
  'orbit.example',
];
const PLANS = ['Starter', 'Team', 'Business'];
const PRICES = [29, 49, 99, 249];
const AGENTS = ['Rosa', 'Ahmed', 'Lena', 'Marco'];

/** A small seeded generator (mulberry32): the same seed gives the same messages on every machine. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function fill(text: string, slots: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (match, slot: string) => slots[slot] ?? match);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The forty messages, in file-name order. */
export function supportMessages(seed = 2024): SupportMessage[] {
  const random = seeded(seed);
  return shuffled(random, TEMPLATES).map((template, index) => {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const price = pick(random, PRICES);
    const day = 1 + Math.floor(random() * 28);
    const slots = {
      plan: pick(random, PLANS),
      amount: `$${price}`,
      amount2: `$${price + 20}`,
      invoice: `INV-${10400 + Math.floor(random() * 600)}`,
      date: `June ${day}`,
      time: `${pad(6 + Math.floor(random() * 12))}:${pad(Math.floor(random() * 4) * 15)} UTC`,
      agent: pick(random, AGENTS),
      seats: String(8 + Math.floor(random() * 10)),
    };
    const received = `2024-07-${pad(1 + Math.floor(index / 8))}T${pad(8 + (index % 8))}:${pad(Math.floor(random() * 60))}:00Z`;
    const text = [
      `From: ${first} ${last} <${first.toLowerCase()}.${last.toLowerCase()}@${pick(random, COMPANIES)}>`,
      `Subject: ${fill(template.subject, slots)}`,
      `Date: ${received}`,
      '',
      fill(template.body, slots),
      '',
      first,
      '',
    ].join('\n');
    return { name: `msg-${pad(index + 1, 3)}.txt`, topic: template.topic, text };
  });
}

/**
 * The demo's edit: the first message of praise, rewritten by the same customer as an angry outage
 * complaint. Only the body and subject change, so exactly one input file differs.
 */
export function editedMessage(messages: readonly SupportMessage[]): SupportMessage {
  const praise = messages.find((message) => message.topic === 'praise');
  if (!praise) throw new Error('the generated messages hold no praise to edit');
  const [from = '', , date = ''] = praise.text.split('\n');
  const signature = praise.text.trimEnd().split('\n').at(-1) ?? '';
  const text = [
    from,
    'Subject: Dashboard DOWN for three hours',
    date,
    '',
    'The dashboard has been down for three hours and nobody answers. We are losing money every minute and the whole team is stuck. Fix this immediately or we cancel!!',
    '',
    signature,
    '',
  ].join('\n');
  return { name: praise.name, topic: 'outage', text };
}
