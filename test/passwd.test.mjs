// Unit tests of passwd(5) reading (packages/core/src/passwd.ts): a
// container's file, and the caller's own account on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';

const require = createRequire(import.meta.url);
const { callerAccount, parsePasswd } = require('../packages/core/dist/passwd.js');

test('parsePasswd keeps well-formed lines, in order, and passes over the rest', () => {
  const text = [
    'root:x:0:0:root:/root:/bin/sh',
    '# a comment',
    'short:x:1:1',
    'badid:x:one:1::/:/bin/sh',
    'toobig:x:4294967296:1::/:/bin/sh',
    'alice:x:1000:100:Alice:/home/alice:/bin/bash',
    '',
  ].join('\n');
  assert.deepEqual(parsePasswd(text), [
    { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' },
    { name: 'alice', uid: 1000, gid: 100, home: '/home/alice', shell: '/bin/bash' },
  ]);
});

test('the caller\'s account is the one the system\'s user database gives', () => {
  const { username, homedir } = userInfo();
  const account = callerAccount();
  assert.deepEqual([account.name, account.home], [username, homedir]);
});
