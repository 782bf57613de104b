import collections,sys
def load(path,tx):
    cat=collections.Counter(); java=collections.Counter(); total=0
    for line in open(path):
        stack,_,n=line.rstrip().rpartition(' ')
        n=int(n); frames=stack.split(';')
        if not any('EventLoop' in f for f in frames): continue
        total+=n
        leaf=frames[-1]
        user=[f for f in frames if not f.endswith('_[k]')]
        if leaf.endswith('_[k]'):
            cat['K '+(user[-1] if user else '?')[:60]]+=n
        else:
            cat['user']+=n
            # attribute to the innermost dev/junction frame
            dj=[f for f in frames if 'dev/junction' in f]
            java[(dj[-1] if dj else 'netty/other')[:90]]+=n
    us=lambda n: n*200/tx  # 200us per sample
    return total,cat,java,us
for path,tx in [(sys.argv[1],float(sys.argv[2])),(sys.argv[3],float(sys.argv[4]))]:
    total,cat,java,us=load(path,tx)
    print("==",path,"us/tx total %.1f"%us(total))
    for k,n in cat.most_common(6): print("  %6.2f %s"%(us(n),k))
    for k,n in java.most_common(12): print("  %6.2f   %s"%(us(n),k))
