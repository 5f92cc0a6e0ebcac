/** Every document lands under this prefix of the bucket: nothing else writes there, nothing there is rewritten. */
export const documentPrefix = 'documents/';
