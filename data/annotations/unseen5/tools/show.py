"""Print each text with its gold spans marked [raw|indicator or role] for a read-through check."""
import csv, sys, os
BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows = list(csv.DictReader(open(f'{BASE}/gold_measurements.csv', encoding='utf-8')))
want = sys.argv[1:]
for s, doc in sorted({(r['set'], r['doc']) for r in rows}):
    if want and doc not in want and s not in want:
        continue
    text = open(f'{BASE}/holdout/{doc}.txt', encoding='utf-8').read()
    out, cur = [], 0
    for r in (r for r in rows if (r['set'], r['doc']) == (s, doc)):
        a, b = int(r['start']), int(r['end'])
        tag = r['indicator_id'] or (r['statement'] if r['statement'] != 'observed' else '-')
        if r['scope'] != 'region': tag += '@' + r['scope']
        if r['period']: tag += '/' + r['period']
        if r['indicator_id'] and r['year']: tag += ':' + r['year']
        out.append(text[cur:a] + '[' + text[a:b] + '|' + tag + ']')
        cur = b
    out.append(text[cur:])
    print(f'===== {s}/{doc}\n' + ''.join(out))
