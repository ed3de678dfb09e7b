"""zongjie's tests, laid out as the source tree: training/, serving/{api,batch,scoring,cli}/, deploy/."""
