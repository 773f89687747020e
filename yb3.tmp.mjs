import { parseDocument } from 'yaml';
const [name, size] = [process.argv[2], Number(process.argv[3])];
const gen = {
  flatkeys: (n) => { let s=''; for (let i=0; s.length<n; i++) s += 'k' + i + ': 1\n'; return s; },
  longseq: (n) => { let parts=[]; let len=4; while (len<n) { parts.push('1'); len+=2; } return 'a: [' + parts.join(',') + ']'; },
  blockseq: (n) => { let s='a:\n'; while (s.length<n) s += '  - 1\n'; return s; },
  dashes64: (n) => { let s=''; while (s.length<n) s += '- '.repeat(64) + 'x\n'; return s; },
  nested2: (n) => { let s=''; let d=0; while (s.length<n) { s += ' '.repeat(d*2) + 'k' + d + ':\n'; d = (d+1)%64; } return s; },
};
const text = gen[name](size);
const t = performance.now();
let r; try { const d = parseDocument(text, {schema: 'core', uniqueKeys: process.argv[4] === 'u'}); r = d.errors.length; const js = d.toJS({maxAliasCount: 16}); } catch (e) { r = 'threw ' + e.message.slice(0,50); }
console.log(name, text.length, Math.round(performance.now() - t), 'ms', r, Math.round(process.memoryUsage().rss/1e6), 'MB');
