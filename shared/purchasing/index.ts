export * as PurchaseOrders from './purchase-orders.ts';
