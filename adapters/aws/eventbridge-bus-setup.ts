/**
 * Creating the EventBridge bus a context publishes to. Worth doing up front: PutEvents to a bus
 * that does not exist is answered with success by AWS, and the events are dropped.
 */
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { awsErrorFacts, describeAwsFailure, endpointOf } from './aws-errors.ts';

/** Creates the bus when it does not exist; true when this call created it. */
export async function ensureEventBus(client: EventBridgeClient, name: string): Promise<boolean> {
  const failure = async (error: unknown, action: string, doing: string) => {
    const region = await Promise.resolve(client.config.region()).catch(() => '<region>');
    return describeAwsFailure(error, {
      service: 'EventBridge',
      action,
      resource: `arn:aws:events:${region}:<account>:event-bus/${name}`,
      doing,
      endpoint: await endpointOf(client.config, 'EVENTBRIDGE', (r) => `https://events.${r}.amazonaws.com`),
    });
  };
  try {
    await client.send(new DescribeEventBusCommand({ Name: name }));
    return false;
  } catch (error) {
    if (awsErrorFacts(error).code !== 'ResourceNotFoundException') {
      throw await failure(error, 'events:DescribeEventBus', `look up EventBridge bus ${name}`);
    }
  }
  try {
    await client.send(new CreateEventBusCommand({ Name: name }));
    return true;
  } catch (error) {
    if (awsErrorFacts(error).code === 'ResourceAlreadyExistsException') return false;
    throw await failure(error, 'events:CreateEventBus', `create EventBridge bus ${name}`);
  }
}
