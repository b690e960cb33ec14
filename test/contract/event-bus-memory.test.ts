import { InProcessEventBus } from '../../adapters/memory/event-bus.ts';
import { describeEventBusContract } from './event-bus.contract.ts';

describeEventBusContract('in-process', async () => {
  const bus = new InProcessEventBus();
  return { bus, settle: () => bus.idle(), cleanup: async () => {} };
});
