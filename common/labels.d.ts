// Types for labels.js, which the server's messages and documents import too.
export declare const priorityLabels: Record<'P1' | 'P2' | 'P3' | 'P4', string>;
export declare const outcomeLabels: Record<'fixed' | 'follow_up_required' | 'could_not_complete', string>;
