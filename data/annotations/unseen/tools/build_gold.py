import csv, re, sys
import os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gold_rows import ROWS
base=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CN='零〇一二两兩三四五六七八九十百千万萬亿億'
out=[]
for (s,doc),rows in ROWS.items():
    text=open(f'{base}/{s}/{doc}.txt',encoding='utf-8').read()
    assert not text.startswith('\ufeff') and '\r' not in text
    cur=0; cov=[False]*len(text)
    for r in rows:
        raw=r['raw']; i=cur
        while True:
            i=text.find(raw,i); assert i>=0,(doc,raw,cur)
            prev=text[i-1] if i else ''
            bad = (raw[0].isdigit() and (prev.isdigit() or prev in '.,' or (prev==' ' and text[i-2:i-1].isdigit()))) or (raw[0] in CN and prev in CN)
            nxt=text[i+len(raw):i+len(raw)+1]
            if raw[-1].isdigit() and nxt.isdigit(): bad=True
            if not bad: break
            i+=1
        st,en=i,i+len(raw); assert text[st:en]==raw
        cur=en
        for k in range(st,en): cov[k]=True
        out.append(dict(set=s,doc=doc,start=st,end=en,**r))
    # uncovered numerals
    for m in re.finditer(r'[0-9０-９]+(?:[.,: ][0-9]+)*|['+CN+r']+',text):
        if not any(cov[m.start():m.end()]):
            print(f'  UNCOVERED {s}/{doc} {m.start()}: ...{text[max(0,m.start()-6):m.end()+6]!r}'.replace('\\n','⏎'))
cols='set,doc,start,end,raw,value,value_high,value_before,unit,qualifier,kind,role,note'.split(',')
with open(f'{base}/gold_figures.csv','w',encoding='utf-8',newline='') as f:
    w=csv.DictWriter(f,cols,lineterminator='\n'); w.writeheader()
    for r in out: w.writerow({c:r[c] for c in cols})
print(len(out),'rows')
