// Every test here starts a whole application (PostgreSQL, Redis, five .NET processes, DCP, perhaps a
// dashboard and a browser); on a 2-core machine two at once only trade speed for flakiness.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
