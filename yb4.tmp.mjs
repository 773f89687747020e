import { Lexer } from 'yaml';
const n = Number(process.argv[3]);
const gen = { brackets: '['.repeat(n), dashes: '- '.repeat(n/2) + 'x', braces: '{a: '.repeat(n/4), q: '? '.repeat(n/2) };
const text = gen[process.argv[2]];
const t = performance.now();
let k = 0, depth = 0, max = 0; 
try { for (const tok of new Lexer().lex(text)) { k++; } } catch (e) { console.log('threw', e.message.slice(0,80)); }
console.log(process.argv[2], n, k, Math.round(performance.now() - t), 'ms', Math.round(process.memoryUsage().rss/1e6), 'MB');
