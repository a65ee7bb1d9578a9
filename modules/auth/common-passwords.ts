/**
 * Passwords that appear at the top of every breach list. Shorter ones are already refused by the
 * 10-character minimum; these are the long ones people still pick.
 */
export const COMMON_PASSWORDS = new Set([
  '1234567890', '12345678910', '123456789012', '0987654321', '1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4t5',
  'qwertyuiop', 'qwertyuiop123', 'qwerty12345', 'qwerty123456', 'asdfghjkl1', 'zxcvbnm123', '1qaz2wsx3edc',
  'password12', 'password123', 'password1234', 'password!!', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123',
  'iloveyou12', 'iloveyou123', 'sunshine123', 'princess123', 'football123', 'baseball123', 'superman123',
  'starwars123', 'welcome123', 'welcome1234', 'letmein123', 'letmein1234', 'trustno1234', 'dragon1234',
  'monkey1234', 'master1234', 'shadow1234', 'michael123', 'jennifer123', 'computer123', 'whatever123',
  'abcdefghij', 'abcdefg123', 'abc1234567', 'aaaaaaaaaa', '1111111111', '0000000000', '1212121212',
  '123123123123', '1234512345', '5555555555', '9999999999', 'changeme123', 'changeme1234', 'admin12345',
  'administrator', 'administrator1', 'adminadmin', 'passwordpassword', 'qazwsxedcrfv', 'q1w2e3r4t5y6',
  'football1234', 'liverpool123', 'chelsea1234', 'charlie1234', 'samsung1234', 'pokemon1234', 'freedom123',
  'internet123', 'mustang1234', 'jordan2323', 'batman1234', 'hello12345', 'helloworld', 'helloworld1',
  'loveyou1234', 'secret1234', 'summer2024', 'summer2025', 'summer2026', 'winter2024', 'winter2025',
  'winter2026', 'spring2025', 'spring2026', 'autumn2025', 'autumn2026', 'january2026', 'december2025',
  'commerce123', 'shopping123', 'correcthorsebatterystaple', 'iloveyouforever', 'letmeinplease',
  'nopassword', 'mypassword', 'mypassword1', 'yourpassword', 'thisismypassword', 'password1!', 'qwerty123!'
])

export function isCommonPassword (password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase())
}
