extern alias redemptiontests;

// One Settlement host class for both test projects: Redemption's world hosts the Settlement its reversals ask, and
// Settlement's tests host their own copies on fresh databases with the same class.
global using SettlementHost = redemptiontests::Redemption.Service.Tests.Infrastructure.SettlementHost;
