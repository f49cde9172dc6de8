"""Check the written unseen5 CSVs against the texts (independent of build_gold.py's rows):
every row's text[start:end] == raw in both CSVs, the two CSVs have the same spans, no spans overlap,
every doc has a regions.csv row; lists numeral-bearing stretches no span covers; prints counts and
the indicator ids used. No project code is imported."""
import csv, os, re, sys
from collections import Counter, defaultdict
BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CN = '零〇一二两兩三四五六七八九十百千万萬亿億'
EN = r'\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|dozen|hundred|thousand|million|billion|half|double|twice)\b'
rd = lambda n: list(csv.DictReader(open(f'{BASE}/{n}', encoding='utf-8')))
figs, meas, regs = rd('gold_figures.csv'), rd('gold_measurements.csv'), rd('regions.csv')
assert [(r['set'], r['doc'], r['start'], r['end'], r['raw']) for r in figs] == \
       [(r['set'], r['doc'], r['start'], r['end'], r['raw']) for r in meas], 'figure and measurement rows differ'
regk = {(r['set'], r['doc']) for r in regs}
texts = {}
by = defaultdict(list)
for r in figs:
    k = (r['set'], r['doc'])
    assert k in regk, k
    if k not in texts:
        t = open(f'{BASE}/holdout/{k[1]}.txt', encoding='utf-8').read()
        assert not t.startswith('\ufeff') and '\r' not in t
        texts[k] = t
    s, e = int(r['start']), int(r['end'])
    assert texts[k][s:e] == r['raw'], (k, r['raw'], texts[k][s:e])
    by[k].append((s, e))
for k, spans in by.items():
    spans.sort()
    for (a, b), (c, d) in zip(spans, spans[1:]):
        assert b <= c, ('overlap', k, a, b, c, d)
    cov = [False] * len(texts[k])
    for a, b in spans:
        cov[a:b] = [True] * (b - a)
    for m in re.finditer(r'[0-9０-９]+(?:[.,:\- ][0-9]+)*|[' + CN + r']+|' + EN, texts[k], flags=re.I):
        if not any(cov[m.start():m.end()]):
            if '-v' in sys.argv:
                print(f'  uncovered {k[0]}/{k[1]} {m.start()}: {m.group()!r}')
for k, t in texts.items():
    assert 600 <= len(t) <= 1600, (k, len(t))
CB = os.path.join(BASE, '..', '..', '..', 'src', 'ruralstudy', 'codebook.yaml')
IDS = set(re.findall(r'^  - id: *"?([a-z0-9_]+)"?', open(CB, encoding='utf-8').read(), flags=re.M))
bad = sorted({r['indicator_id'] for r in meas if r['indicator_id'] and r['indicator_id'] not in IDS})
assert not bad, ('ids not in codebook.yaml', bad)
for r in meas:
    if r['indicator_id']:
        assert r['scope'] == 'region' and r['statement'] == 'observed' and r['period'] in ('year', ''), r
print('all spans match, no overlaps; lengths 600-1600; every indicator_id is in codebook.yaml (%d ids there)' % len(IDS))
for s in ('holdout5',):
    rows = [r for r in meas if r['set'] == s]
    ids = Counter(r['indicator_id'] for r in rows if r['indicator_id'])
    print(f'{s}: {len({r["doc"] for r in rows})} texts, {len(rows)} figures, {sum(ids.values())} rows with indicator_id')
    for i, n in sorted(ids.items()):
        print(f'    {i}: {n}')
