import t from 'tap'
import { composeEmail } from '../../plugins/mail-layout.js'
import { formatMoney } from '../../plugins/money.js'

t.test('money reads in each currency\'s own minor units', async (t) => {
  t.equal(formatMoney({ amount: 1999, currency: 'USD' }), '$19.99')
  t.equal(formatMoney({ amount: 1200, currency: 'JPY' }), '¥1,200', 'JPY has no minor unit')
  t.equal(formatMoney({ amount: 1234, currency: 'BHD' }), 'BHD\u00a01.234', 'BHD has three')
  t.equal(formatMoney({ amount: 0, currency: 'EUR' }), '€0.00')
})

t.test('one set of blocks makes both parts; the HTML part escapes every value', async (t) => {
  const mail = composeEmail({
    to: 'ada@example.com',
    subject: 'Order <1>',
    shopName: 'Tom & Jerry\'s',
    blocks: [
      { paragraph: 'Hello <b>Ada</b>,' },
      { table: [['2 × Stool', '$50.00'], ['Shipping', '$4.99']] },
      { lines: ['Ada Lovelace', '1 Analytical Way'] },
      { link: { label: 'Your order', url: 'https://shop.example.com/orders/1?a=1&b="2"' } },
      { highlight: '123456' }
    ]
  })
  t.equal(mail.subject, 'Order <1>', 'the subject is plain text')
  t.equal(mail.text, [
    'Hello <b>Ada</b>,',
    '2 × Stool  $50.00\nShipping    $4.99',
    'Ada Lovelace\n1 Analytical Way',
    'Your order: https://shop.example.com/orders/1?a=1&b="2"',
    '123456',
    "— Tom & Jerry's"
  ].join('\n\n'), 'text columns line up, amounts to the right')
  t.match(mail.html, '<p>Hello &#60;b&#62;Ada&#60;/b&#62;,</p>')
  t.match(mail.html, '<a href="https://shop.example.com/orders/1?a=1&#38;b=&#34;2&#34;">Your order</a>')
  t.match(mail.html, '<p>Ada Lovelace<br>1 Analytical Way</p>')
  t.match(mail.html, '<td style="padding:4px 8px;text-align:right">$50.00</td>')
  t.match(mail.html, '— Tom &#38; Jerry&#39;s')
  t.notMatch(mail.html, '<b>')
})
